/**
 * Machine-to-machine tokens (client_credentials) on the real stack: a machine client gets an
 * opaque token for the service scopes it registered, stored in Redis with the access-token
 * lifetime; the OpenID scopes and other clients' scopes are invalid_scope; only the client
 * it was issued to can introspect or revoke it; a sign-in client gets unauthorized_client
 * (and invalid_scope for a service scope at the authorization endpoint); the audit trail records the issue without actor, secret or token.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startStack, RP_REDIRECT, type Stack } from '../support/stack.ts';
import { TestBrowser } from '../support/browser.ts';
import { authorizationRequest } from '../support/psc-login.ts';
import { createKeyNames } from '../../src/store/index.ts';
import { findSecrets } from '../../src/audit/index.ts';
import type { AuditEvent } from '../../src/audit/types.ts';
import { hashId } from '../../src/oidc/audit-events.ts';

/** Shorter than the default (600 s), so that the test tells the access-token TTL from oidc-provider's own default. */
const ACCESS_TOKEN_TTL = 300;
const MACHINE = 'third-party-rp';
const OTHER_MACHINE = 'jwt-userinfo-rp';

let stack: Stack;
let machine: client.Configuration;

beforeAll(async () => {
  stack = await startStack({
    name: 'client-credentials',
    overrides: { 'ttl.accessToken': ACCESS_TOKEN_TTL },
    clientOverrides: {
      [MACHINE]: { grant_types: ['client_credentials'], scope: 'results:read results:write' },
      [OTHER_MACHINE]: { grant_types: ['client_credentials'], scope: 'agenda:read' },
    },
  });
  machine = await stack.rp(MACHINE);
});
afterAll(async () => {
  await stack.close();
});

interface OAuthError {
  status?: number;
  error?: string;
  response?: Response;
}

/** The OAuth error the token endpoint answers, with its HTTP status (a 401 comes as a WWW-Authenticate challenge error: read its body). */
async function refusal(request: Promise<unknown>): Promise<{ status?: number; error?: string }> {
  try {
    await request;
  } catch (err) {
    const { status, error, response } = err as OAuthError;
    const body = error === undefined && response ? ((await response.json()) as { error?: string }) : undefined;
    return { status, error: error ?? body?.error };
  }
  assert.fail('expected the token endpoint to refuse the request');
}

/** The events chained while `flow` ran: read as soon as its answers came (the provider's events are chained before them). */
async function auditSince(flow: () => Promise<unknown>): Promise<AuditEvent[]> {
  const before = (await stack.gateways[0]!.auditLog.head())?.seq ?? 0;
  await flow();
  return (await stack.gateways[0]!.auditLog.range({})).filter((e) => e.seq > before);
}

describe('client_credentials (machine clients)', () => {
  it('chains the token it issued before the answer leaves, however slow the chain is', async () => {
    const log = stack.gateways[0]!.auditLog;
    const append = log.append.bind(log);
    log.append = async (body) => {
      await new Promise((r) => setTimeout(r, 300)); // a slow Redis for the audit trail alone
      return append(body);
    };
    try {
      const before = (await log.head())?.seq ?? 0;
      const tokens = await client.clientCredentialsGrant(machine, { scope: 'results:read' });
      const issued = (await log.range({})).filter((e) => e.seq > before && e.type === 'token.issued');
      assert.deepEqual(
        issued.map((e) => e.details?.accessToken),
        [hashId(tokens.access_token)],
        'in the trail when the client has the token',
      );
      const revoked = await auditSince(() => client.tokenRevocation(machine, tokens.access_token));
      assert.deepEqual(
        revoked.filter((e) => e.type === 'token.revoked').map((e) => e.details?.token),
        [hashId(tokens.access_token)],
        'and its revocation when the answer came',
      );
    } finally {
      log.append = append;
    }
  });

  it('issues an opaque token for the scope asked, stored in Redis, living the access-token TTL', async () => {
    const tokens = await client.clientCredentialsGrant(machine, { scope: 'results:read' });
    assert.equal(tokens.scope, 'results:read');
    assert.equal(tokens.token_type, 'bearer');
    assert.equal(tokens.expires_in, ACCESS_TOKEN_TTL);
    assert.equal(tokens.refresh_token, undefined);
    assert.equal(tokens.id_token, undefined);
    assert.doesNotMatch(tokens.access_token, /^[\w-]+\.[\w-]+\.[\w-]*$/, 'opaque, not a JWT');
    const key = createKeyNames(stack.prefix).modelJson('ClientCredentials', tokens.access_token);
    const stored = await stack.store.get(key);
    assert.ok(stored, 'the token is a ClientCredentials record in the store');
    const ttl = await stack.store.ttl(key);
    assert.ok(ttl > 0 && ttl <= ACCESS_TOKEN_TTL, `record TTL ${ttl}`);
  });

  it('introspection by the same client: active, its client_id and scope, no sub', async () => {
    const { access_token: token } = await client.clientCredentialsGrant(machine, { scope: 'results:read results:write' });
    const answer = await client.tokenIntrospection(machine, token);
    assert.equal(answer.active, true);
    assert.equal(answer.client_id, MACHINE);
    assert.equal(answer.scope, 'results:read results:write');
    assert.equal(answer.token_type, 'Bearer');
    assert.equal(answer.sub, undefined, 'no user behind a client_credentials token');
    assert.equal(answer.exp! - answer.iat!, ACCESS_TOKEN_TTL);
  });

  it('another client introspecting the token gets active:false', async () => {
    const { access_token: token } = await client.clientCredentialsGrant(machine, { scope: 'results:read' });
    for (const other of ['test-rp', OTHER_MACHINE]) {
      const answer = await client.tokenIntrospection(await stack.rp(other), token);
      assert.deepEqual(answer, { active: false }, other);
    }
    assert.equal((await client.tokenIntrospection(machine, token)).active, true, 'still active for its own client');
  });

  it('a sign-in client (no client_credentials in grant_types) gets unauthorized_client, and nothing is stored', async () => {
    const before = await stack.keyCount();
    assert.deepEqual(await refusal(client.clientCredentialsGrant(await stack.rp('test-rp'), { scope: 'results:read' })), {
      status: 400,
      error: 'unauthorized_client',
    });
    assert.deepEqual(await refusal(client.clientCredentialsGrant(await stack.rp('test-rp'))), { status: 400, error: 'unauthorized_client' });
    assert.equal(await stack.keyCount(), before);
  });

  it('a sign-in client asking for a service scope at the authorization endpoint gets invalid_scope', async () => {
    const { url } = await authorizationRequest(stack, { params: { scope: 'openid results:read' } });
    const page = await new TestBrowser().request(url);
    assert.equal(page.status, 303);
    const location = new URL(page.headers.get('location')!);
    assert.ok(location.href.startsWith(RP_REDIRECT));
    assert.equal(location.searchParams.get('error'), 'invalid_scope');
  });

  it('a wrong secret gets invalid_client', async () => {
    const wrong = await client.discovery(new URL(stack.issuer), MACHINE, {}, client.ClientSecretBasic(`not-${stack.secrets[MACHINE]}`), {
      execute: [client.allowInsecureRequests],
    });
    assert.deepEqual(await refusal(client.clientCredentialsGrant(wrong, { scope: 'results:read' })), { status: 401, error: 'invalid_client' });
  });

  it('refuses the OpenID scopes and scopes outside the registration with invalid_scope; an unknown name is dropped', async () => {
    const before = await stack.keyCount();
    for (const scope of ['openid', 'profile', 'scope_all', 'offline_access', 'results:read openid', 'agenda:read']) {
      assert.deepEqual(await refusal(client.clientCredentialsGrant(machine, { scope })), { status: 400, error: 'invalid_scope' }, scope);
    }
    assert.equal(await stack.keyCount(), before, 'no token stored for a refused request');
    // oidc-provider drops a name the gateway does not know at all (no client registers it).
    assert.equal((await client.clientCredentialsGrant(machine, { scope: 'results:read results:delete' })).scope, 'results:read');
    const unscoped = await client.clientCredentialsGrant(machine);
    assert.equal(unscoped.scope, undefined);
    assert.equal((await client.tokenIntrospection(machine, unscoped.access_token)).scope, undefined, 'no scope asked: a token without scope');
  });

  it('records token.issued with grantType client_credentials, the hashed token id, no actor, no secret or token', async () => {
    let token = '';
    const events = await auditSince(async () => {
      token = (await client.clientCredentialsGrant(machine, { scope: 'results:read' })).access_token;
    });
    assert.deepEqual(
      events.map((e) => `${e.type}:${e.outcome}`),
      ['token.issued:success'],
    );
    const [issued] = events;
    assert.equal(issued!.clientId, MACHINE);
    assert.equal(issued!.actor, undefined);
    assert.equal(issued!.details?.grantType, 'client_credentials');
    assert.equal(issued!.details?.accessToken, hashId(token));
    assert.equal(issued!.details?.grant, undefined);
    const json = JSON.stringify(issued);
    for (const secret of [token, stack.secrets[MACHINE]!]) assert.ok(!json.includes(secret), 'the event carries no token or secret');
    assert.deepEqual(findSecrets(issued), []);
  });

  it('revocation by its client makes the token inactive; another client cannot revoke it', async () => {
    const { access_token: token } = await client.clientCredentialsGrant(machine, { scope: 'results:write' });
    await assert.rejects(
      client.tokenRevocation(await stack.rp(OTHER_MACHINE), token),
      (err: { error?: string }) => err.error === 'unauthorized_client',
      "another client's revocation is refused and said (RFC 7009 §2.1)",
    );
    assert.equal((await client.tokenIntrospection(machine, token)).active, true, 'and the token is left as it was');
    const events = await auditSince(() => client.tokenRevocation(machine, token));
    assert.equal((await client.tokenIntrospection(machine, token)).active, false);
    const revoked = events.find((e) => e.type === 'token.revoked');
    assert.equal(revoked?.details?.token, hashId(token));
    assert.equal(revoked?.actor, undefined);
  });
});
