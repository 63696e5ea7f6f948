/**
 * A clinician's security key across a failover, for the Sentinel and Cluster chaos tests:
 * enrolled over real HTTP (PSC, then a software authenticator) and used once before the switch,
 * so that the credential and its signature counter are acknowledged writes; after the switch the
 * credential is still the account's, exactly as it was, and a sign-in with the key alone works,
 * its next counter accepted and recorded.
 */
import assert from 'node:assert/strict';
import type { Stack } from '../support/stack.ts';
import { TestBrowser } from '../support/browser.ts';
import { createSoftAuthenticator, type SoftAuthenticator } from '../support/soft-authenticator.ts';
import { exchange } from '../support/psc-login.ts';
import { ceremony, followToRp, interactionPath, pscUntilNextStep, signInWithKeyAlone } from '../support/key-journey.ts';
import { createKeyNames } from '../../src/store/index.ts';
import { createCredentialRepository, type StoredCredential } from '../../src/webauthn/index.ts';

export interface KeyBeforeSwitch {
  practitioner: string;
  key: SoftAuthenticator;
  /** The account's credentials as stored before the switch: the key, its counter at 1. */
  stored: StoredCredential[];
}

const credentialsOf = (stack: Stack, practitioner: string) => createCredentialRepository(stack.store, createKeyNames(stack.prefix)).listByAccount(practitioner);

/** Sign-in with the key alone (no PSC), to the relying party's tokens. */
async function signInWithKey(stack: Stack, key: SoftAuthenticator) {
  const { verify, tokens } = await signInWithKeyAlone(stack, key);
  assert.equal(verify.status, 200, `the key's assertion is accepted: ${verify.body}`);
  return tokens!;
}

/** `practitioner` (who has no key yet) enrols one after PSC, then signs in with it once. */
export async function enrolKeyBeforeSwitch(stack: Stack, practitioner: string): Promise<KeyBeforeSwitch> {
  const key = createSoftAuthenticator({ alg: 'ES256' });
  const browser = new TestBrowser();
  const { request, page } = await pscUntilNextStep(stack, browser, { practitioner, means: 'card' });
  assert.match(new URL(page!.url).pathname, /\/enrol$/, `after PSC, ${practitioner} is offered enrolment`);
  const { verify } = await ceremony(browser, stack, interactionPath(page!), 'enrol', key, { name: `Clé de ${practitioner}` });
  await exchange({ ...request, callback: await followToRp(browser, stack, verify) });
  await signInWithKey(stack, key);
  const stored = await credentialsOf(stack, practitioner);
  assert.deepEqual(
    stored.map((c) => c.counter),
    [1],
    'one key, its counter recorded, before the switch',
  );
  return { practitioner, key, stored };
}

/** After the switch: the credential is still listed as it was, and the key alone signs in. */
export async function checkKeyAfterSwitch(stack: Stack, { practitioner, key, stored }: KeyBeforeSwitch): Promise<void> {
  assert.deepEqual(await credentialsOf(stack, practitioner), stored, `${practitioner}'s key is still listed, counter included`);
  const tokens = await signInWithKey(stack, key);
  assert.equal(tokens.claims()!.sub, practitioner, `${practitioner} signs in with the key alone`);
  assert.deepEqual(tokens.claims()!.amr, ['hwk', 'mfa']);
  assert.deepEqual(
    (await credentialsOf(stack, practitioner)).map((c) => c.counter),
    [2],
    'the next counter was accepted and recorded',
  );
}
