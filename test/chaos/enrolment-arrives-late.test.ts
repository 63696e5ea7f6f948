/**
 * Chaos: the writes that bind a clinician's new security key to the account are held up on
 * their way to Redis past the enrolment's deadline, and reach Redis afterwards — as in a
 * failover, where ioredis sends again to the new master what the old one never answered, or
 * behind a stalled connection. The clinician was answered the outage; the trail records no
 * enrolment, so no "key added" notice is ever shown. Executed late, the writes would
 * bind the key all the same: a key on the account that its owner was told was not added, that
 * no notice announces (the notice is how a clinician learns of a key someone else added with
 * their session). A binding counts only when it reaches Redis while its request may still
 * answer that the key was added.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Stack } from '../support/stack.ts';
import type { HoldingProxy } from '../support/redis-holding-proxy.ts';
import { startHeldStack, type HeldStack } from '../support/held-stack.ts';
import { TestBrowser } from '../support/browser.ts';
import { exchange } from '../support/psc-login.ts';
import { createSoftAuthenticator, type SoftAuthenticator } from '../support/soft-authenticator.ts';
import { ceremony, followToRp, interactionPath, pscUntilNextStep, signInWithKeyAlone } from '../support/key-journey.ts';
import { createKeyNames } from '../../src/store/index.ts';
import { createCredentialRepository } from '../../src/webauthn/index.ts';

let held: HeldStack;
let stack: Stack;
let proxy: HoldingProxy;
beforeAll(async () => {
  held = await startHeldStack('chaos-enrolment-late');
  ({ stack, proxy } = held);
});
afterAll(async () => {
  await held?.close();
});

const READS = new Set(['GET', 'MGET', 'HGETALL', 'HMGET', 'EXISTS', 'TTL', 'PTTL', 'SMEMBERS', 'LRANGE', 'PING']);
const isWrite = (args: string[]) => !READS.has(args[0]!.toUpperCase());

/** The first write naming the account's set of keys, whatever form the binding takes. */
const namingKeySet = (practitioner: string) => (args: string[]) => isWrite(args) && args.some((a) => a.endsWith(`{a:${practitioner}}:credentials`));
/** The first write of a credential's record (its hash), not a claim on it (SET … NX). */
const writingKeyRecord = (args: string[]) =>
  isWrite(args) && !(args[0]!.toUpperCase() === 'SET' && args.some((a) => a.toUpperCase() === 'NX')) && args.some((a) => /\{c:[^}]+\}:credential$/.test(a));

const credentialsOf = (practitioner: string) => createCredentialRepository(stack.store, createKeyNames(stack.prefix)).listByAccount(practitioner);

async function enrolmentsRecorded(practitioner: string) {
  const events = await stack.gateways[0]!.auditLog.range({});
  return events.filter((e) => e.type === 'key.enrolled' && e.actor === practitioner).map((e) => e.outcome);
}

/** PSC sign-in, then enrolment of a new credential of `key`, with `pick`'s command and all after it held until the enrolment answered. */
async function enrolHeld(practitioner: string, key: SoftAuthenticator, pick: (args: string[]) => boolean) {
  const browser = new TestBrowser();
  const { page } = await pscUntilNextStep(stack, browser, { practitioner, means: 'card' });
  assert.match(new URL(page!.url).pathname, /\/enrol$/, `after PSC, ${practitioner} is offered enrolment`);
  proxy.holdFrom(pick);
  let verify;
  try {
    ({ verify } = await ceremony(browser, stack, interactionPath(page!), 'enrol', key, { name: 'Clé coupée' }));
  } finally {
    proxy.release();
  }
  // What was held reaches Redis now; a moment for it to be executed.
  await sleep(300);
  return verify;
}

/** After a cut enrolment: no key bound; the key enrolled again (a fresh PSC sign-in) works. */
async function checkNotBoundThenEnrolAgain(practitioner: string, key: SoftAuthenticator) {
  assert.deepEqual(await credentialsOf(practitioner), [], 'no key on the account after the late writes reached Redis');
  const orphan = key.credentials[0]!.id;
  const refused = await signInWithKeyAlone(stack, key);
  assert.notEqual(refused.verify.status, 200, `the credential of the cut enrolment does not sign in: ${refused.verify.body}`);
  assert.deepEqual(await enrolmentsRecorded(practitioner), [], 'the trail records no enrolment (an outage is not a refusal)');

  // The clinician tries again, as the outage page says: the authenticator makes a new credential.
  key.forget(orphan);
  const browser = new TestBrowser();
  const { request, page } = await pscUntilNextStep(stack, browser, { practitioner, means: 'card' });
  assert.match(new URL(page!.url).pathname, /\/enrol$/, 'still offered enrolment: the account has no key');
  const { verify } = await ceremony(browser, stack, interactionPath(page!), 'enrol', key, { name: 'Ma clé' });
  assert.equal(verify.status, 200, `enrolled when tried again: ${verify.body}`);
  await exchange({ ...request, callback: await followToRp(browser, stack, verify) });
  assert.deepEqual(
    (await credentialsOf(practitioner)).map((c) => c.name),
    ['Ma clé'],
  );
  const signedIn = await signInWithKeyAlone(stack, key);
  assert.equal(signedIn.tokens?.claims()!.sub, practitioner, `the key enrolled again signs in: ${signedIn.verify.body}`);
  assert.deepEqual(await enrolmentsRecorded(practitioner), ['success']);
  assert.equal((await stack.gateways[0]!.verifyAudit()).ok, true, 'the audit chain is whole');
}

describe('chaos: the writes binding a new key reach Redis after the enrolment answered', () => {
  it('held from the first write naming the account’s keys: the outage answered, the key never bound', { timeout: 60_000 }, async () => {
    const practitioner = '810104567894';
    const key = createSoftAuthenticator({ alg: 'ES256' });
    const verify = await enrolHeld(practitioner, key, namingKeySet(practitioner));
    assert.ok(proxy.picked, 'a write naming the account’s keys was held');
    assert.equal(
      verify.status,
      503,
      `the outage answered while the binding was held: ${verify.status} ${verify.body.slice(0, 200)} (held ${proxy.picked?.[0]})`,
    );
    await checkNotBoundThenEnrolAgain(practitioner, key);
  });

  it('held from the write of the key’s record: the outage answered, the key never bound', { timeout: 60_000 }, async () => {
    const practitioner = '810105678905';
    const key = createSoftAuthenticator({ alg: 'ES256' });
    const verify = await enrolHeld(practitioner, key, writingKeyRecord);
    assert.ok(proxy.picked, 'the write of the key’s record was held');
    assert.equal(
      verify.status,
      503,
      `the outage answered while the record was held: ${verify.status} ${verify.body.slice(0, 200)} (held ${proxy.picked?.[0]})`,
    );
    await checkNotBoundThenEnrolAgain(practitioner, key);
  });
});
