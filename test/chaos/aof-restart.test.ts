/**
 * Chaos: Redis with append-only persistence (fsync at every write) crashes — SIGKILL, not a
 * clean shutdown — and starts again from its AOF. Two clinicians enrolled a key through
 * real HTTP before the crash; after it, nothing is lost: the same keys are in Redis, each
 * clinician signs in with the key alone and the relying party's code exchanges for tokens,
 * and the audit chain verifies up to and past the head written before the crash. The
 * gateway is the same one throughout: it reconnects by itself.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startStack, type Stack } from '../support/stack.ts';
import { createRedisServer, type RedisServer } from '../support/redis-server.ts';
import { TestBrowser } from '../support/browser.ts';
import { createSoftAuthenticator, type SoftAuthenticator } from '../support/soft-authenticator.ts';
import { exchange } from '../support/psc-login.ts';
import { ceremony, followToRp, interactionPath, pscUntilNextStep, signInWithKeyAlone } from '../support/key-journey.ts';
import { createKeyNames } from '../../src/store/index.ts';
import { createCredentialRepository } from '../../src/webauthn/index.ts';
import { createAccountRepository } from '../../src/accounts/index.ts';
import { isReady, waitFor } from './wait-for.ts';

const CLINICIANS = ['810104567894', '810105678905'];

let redis: RedisServer;
let stack: Stack;
beforeAll(async () => {
  redis = await createRedisServer({ appendonly: true });
  stack = await startStack({ name: 'chaos-aof-restart', redisUrl: redis.url });
});
afterAll(async () => {
  await stack?.close();
  await redis?.dispose();
});

/** PSC sign-in, then enrolment of `key` on the page that follows; the code exchanges for tokens. */
async function enrol(practitioner: string, key: SoftAuthenticator): Promise<void> {
  const browser = new TestBrowser();
  const { request, page } = await pscUntilNextStep(stack, browser, { practitioner, means: 'card' });
  assert.match(new URL(page!.url).pathname, /\/enrol$/, `after PSC, ${practitioner} is offered enrolment`);
  const { verify } = await ceremony(browser, stack, interactionPath(page!), 'enrol', key, { name: `Clé de ${practitioner}` });
  const tokens = await exchange({ ...request, callback: await followToRp(browser, stack, verify) });
  assert.equal(tokens.claims()!.sub, practitioner);
}

/** Sign-in with the key alone (no PSC), to the tokens. */
async function signInWithKey(key: SoftAuthenticator) {
  const { verify, tokens } = await signInWithKeyAlone(stack, key);
  assert.equal(verify.status, 200, `the key's assertion is accepted: ${verify.body}`);
  return tokens!;
}

/** The stack's keys in Redis (abuse-limit counters and the session sweeper's lock aside), sorted. */
async function storedKeys(): Promise<string[]> {
  const probe = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  try {
    const found = await probe.keys(`${createKeyNames(stack.prefix).prefix}*`);
    return found.filter((k) => !/:rl:|sweep-lock/.test(k)).sort();
  } finally {
    probe.disconnect();
  }
}

describe('chaos: Redis with AOF crashes and restarts', () => {
  it('keeps the accounts, the keys and the audit chain; the same gateway serves key sign-ins', { timeout: 30_000 }, async () => {
    const keyNames = createKeyNames(stack.prefix);
    const credentials = createCredentialRepository(stack.store, keyNames);
    const accounts = createAccountRepository(stack.store, keyNames);
    const authenticators = CLINICIANS.map(() => createSoftAuthenticator({ alg: 'ES256' }));
    for (const [i, practitioner] of CLINICIANS.entries()) await enrol(practitioner, authenticators[i]!);

    const accountsBefore = await Promise.all(CLINICIANS.map((p) => accounts.find(p)));
    const credentialsBefore = await Promise.all(CLINICIANS.map((p) => credentials.listByAccount(p)));
    assert.deepEqual(
      credentialsBefore.map((list) => list.length),
      [1, 1],
      'one key each before the crash',
    );
    const keysBefore = await storedKeys();
    const headBefore = await stack.gateways[0]!.auditLog.head();
    assert.ok(headBefore, 'the audit chain has a head before the crash');
    const gateway = stack.gateways[0]!;

    await redis.stop('SIGKILL');
    assert.equal(await isReady(stack.issuer), false, '/readyz fails while Redis is down');
    await redis.start();
    await waitFor('/readyz 200 after the restart', () => isReady(stack.issuer));

    assert.deepEqual(await storedKeys(), keysBefore, 'every key written before the crash is back');
    assert.deepEqual(await Promise.all(CLINICIANS.map((p) => accounts.find(p))), accountsBefore, 'the accounts');
    assert.deepEqual(await Promise.all(CLINICIANS.map((p) => credentials.listByAccount(p))), credentialsBefore, 'the keys, counters included');
    assert.deepEqual(await gateway.auditLog.head(), headBefore, 'the audit head');

    for (const [i, practitioner] of CLINICIANS.entries()) {
      const tokens = await signInWithKey(authenticators[i]!);
      assert.equal(tokens.claims()!.sub, practitioner, `${practitioner} signs in with the key alone`);
      assert.equal(tokens.claims()!.acr, 'eidas2');
      assert.deepEqual(tokens.claims()!.amr, ['hwk', 'mfa']);
    }

    assert.equal(stack.gateways[0], gateway, 'the same gateway, never restarted');
    // The head came back unchanged (above), so a chain that verifies to a later head contains it.
    const audit = await gateway.verifyAudit();
    assert.ok(audit.ok, `the audit chain verifies: ${audit.ok ? '' : audit.message}`);
    assert.ok(audit.lastSeq! > headBefore.seq, `and goes on past the head written before the crash (${headBefore.seq} → ${audit.lastSeq})`);
  });
});
