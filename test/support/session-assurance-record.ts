/**
 * A session's assurance record as the gateway saves it after a sign-in with a security key
 * (assurance/session-assurance.ts), for the tests that need a valid one: signed in and last
 * seen at `at` (epoch ms) unless told otherwise.
 */
import type { SessionAssurance } from '../../src/assurance/index.ts';

export function keySignInRecord(at: number, changes: Partial<SessionAssurance> = {}): SessionAssurance {
  return {
    accountId: '899700427885',
    method: 'webauthn-key',
    acr: 'eidas2',
    amr: ['hwk', 'pin'],
    phishingResistant: true,
    hardwareProtected: true,
    loginAt: at,
    lastSeenAt: at,
    profile: 'default',
    ...changes,
  };
}
