/**
 * Records without their `jti`, through the gateway (src/store/record-defaults.ts): on a new
 * installation a sign-in's session, grant and refresh token are stored without it; after an
 * upgrade from a release before the eleventh round (its audit stream already on the Redis, no
 * decision yet), every record keeps it during the window, spent refresh tokens included, so that
 * that release's instances still read them. Either way a replayed refresh token revokes its grant.
 * The same for the grant's token index: two letters name a token's model in its field on a new
 * installation, the model's name during the window after an upgrade (grant-token-index.ts). And
 * for a session's assurance record: an array of its fields, or the object the releases before
 * read during its window (assurance/session-assurance-text.ts); and for a token's default claims,
 * stored as `1` or, during their window, as they are (store/record-defaults.ts); and for a
 * session's id: a part of its session record, or during its window the uid index of the releases
 * before, the record then the assurance alone (store/session-record.ts).
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startStack, type Stack } from '../support/stack.ts';
import { TestBrowser } from '../support/browser.ts';
import { exchange, signIn } from '../support/psc-login.ts';
import { createKeyNames } from '../../src/store/index.ts';
import { SESSION_ASSURANCE_PART, SESSION_ID_PART } from '../../src/store/session-record.ts';
import { textPart, textParts } from '../../src/store/text-parts.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ name: 'record-ids' });
});
afterAll(async () => {
  await stack.close();
});

/** A sign-in, its refresh, and the replay of its first refresh token: the stored text of its records, before and after. */
async function signInAndRefresh() {
  const keyNames = createKeyNames(stack.prefix);
  const stored = async (model: string, id: string) => JSON.parse((await stack.store.get(keyNames.modelJson(model, id)))!) as Record<string, unknown>;
  const request = await signIn(stack, new TestBrowser());
  const tokens = await exchange(request);
  const refreshToken = tokens.refresh_token!;
  const rt = await stored('RefreshToken', refreshToken);
  const grantId = String(rt.grantId);
  const sessionUid = String(rt.sessionUid);
  const sessionRecord = await stack.store.get(keyNames.sessionRecord(sessionUid));
  const indexedSessionId = await stack.store.get(keyNames.sessionUid(sessionUid));
  const sessionId = textPart(sessionRecord, SESSION_ID_PART) || indexedSessionId!;
  const sessionIdKept = { inRecord: textParts(sessionRecord).length, inIndex: indexedSessionId !== null };
  const records = { RefreshToken: rt, Grant: await stored('Grant', grantId), Session: await stored('Session', sessionId) };
  const indexed = (await stack.store.hkeys(keyNames.grantTokenIndex(grantId))).map((field) => field.replace(/:.*/, '')).sort();
  const assuranceText = textPart(sessionRecord, SESSION_ASSURANCE_PART);
  const assuranceForm = Array.isArray(JSON.parse(assuranceText)) ? 'array' : 'object';
  const refreshed = await client.refreshTokenGrant(request.config, refreshToken);
  assert.equal(typeof refreshed.claims()?.auth_time, 'number', 'the refreshed ID token has its auth_time (the client requires it)');
  const spent = await stored('RefreshToken', refreshToken);
  assert.equal(typeof spent.consumed, 'number', 'the refreshed token is spent');
  await assert.rejects(client.refreshTokenGrant(request.config, refreshToken), (err: { error?: string }) => err.error === 'invalid_grant');
  assert.equal(await stack.store.get(keyNames.modelJson('Grant', grantId)), null, 'the replay revoked the grant');
  await assert.rejects(client.refreshTokenGrant(request.config, refreshed.refresh_token!), (err: { error?: string }) => err.error === 'invalid_grant');
  return { ids: { RefreshToken: refreshToken, Grant: grantId, Session: sessionId }, records, spent, indexed, assuranceForm, sessionIdKept };
}

describe('records without their jti', () => {
  it("a new installation stores a sign-in's records without their jti; a replayed refresh token still revokes its grant", async () => {
    const { records, spent, indexed, assuranceForm, sessionIdKept } = await signInAndRefresh();
    for (const [model, record] of Object.entries(records)) assert.equal('jti' in record, false, `${model}: its key names it`);
    assert.equal('jti' in spent, false, 'the spent refresh token');
    assert.deepEqual(indexed, ['AC', 'AT', 'RT'], "the grant's code, access and refresh token, each named in two letters");
    assert.equal(assuranceForm, 'array', "the session's assurance record");
    assert.equal(records.RefreshToken.claims, 1, "the refresh token's default claims, stored as 1");
    assert.deepEqual(sessionIdKept, { inRecord: 2, inIndex: false }, "the session's id: the second part of its record, no index of its own");
  });

  it('after an upgrade from a release before the eleventh round, every record keeps its jti during the window', async () => {
    // As on a Redis where that release ran: its audit stream is there (this stack's), the window not decided yet.
    await stack.store.del(createKeyNames(stack.prefix).custom('sessions', 'record-ids-layout'));
    await stack.restartGateways();
    const { ids, records, spent } = await signInAndRefresh();
    for (const [model, record] of Object.entries(records))
      assert.equal(record.jti, ids[model as keyof typeof ids], `${model}: that release reads its id from the record`);
    assert.equal(spent.jti, ids.RefreshToken, 'the spent refresh token');
  });

  it("after an upgrade from a release before the thirteenth round, the grant's tokens are listed under their model's name during the window", async () => {
    await stack.store.del(createKeyNames(stack.prefix).custom('sessions', 'token-index-fields-layout'));
    await stack.restartGateways();
    const { indexed } = await signInAndRefresh();
    assert.deepEqual(indexed, ['AccessToken', 'AuthorizationCode', 'RefreshToken'], 'that release revokes the tokens whose model it reads');
  });

  it("after an upgrade from a release before the thirteenth round, a token's default claims are stored as they are during the window", async () => {
    await stack.store.del(createKeyNames(stack.prefix).custom('sessions', 'token-claims-layout'));
    await stack.restartGateways();
    const { records } = await signInAndRefresh();
    assert.deepEqual(records.RefreshToken.claims, { id_token: { auth_time: { essential: true } } }, 'what that release reads');
  });

  it("after an upgrade from a release before the thirteenth round, a session's assurance record is the object that release reads during the window", async () => {
    await stack.store.del(createKeyNames(stack.prefix).custom('sessions', 'assurance-fields-layout'));
    await stack.restartGateways();
    const { assuranceForm } = await signInAndRefresh();
    assert.equal(assuranceForm, 'object');
  });

  it("after an upgrade from a release before the fourteenth round, a session's id is in the uid index that release reads during the window, its record the assurance alone", async () => {
    await stack.store.del(createKeyNames(stack.prefix).custom('sessions', 'session-ids-layout'));
    await stack.restartGateways();
    const { sessionIdKept } = await signInAndRefresh();
    assert.deepEqual(sessionIdKept, { inRecord: 1, inIndex: true }, 'that release finds a session only through its index, and parses the record whole');
  });
});
