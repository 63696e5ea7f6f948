/**
 * credentialKind: the signed backup flags first, then what the browser reported, then the
 * AAGUID table's hint, else a security key.
 */
import assert from 'node:assert/strict';
import { test } from 'vitest';
import { credentialKind, type CredentialKindInput } from '../../src/webauthn/credential-kind.ts';
import type { CredentialKind } from '../../src/webauthn/types.ts';

const single = { deviceType: 'singleDevice', backedUp: false } as const;

const cases: [string, CredentialKindInput, CredentialKind][] = [
  ['multiDevice (BE set), not yet backed up', { deviceType: 'multiDevice', backedUp: false }, 'synced-passkey'],
  ['multiDevice and backed up', { deviceType: 'multiDevice', backedUp: true, attachment: 'platform', transports: ['internal', 'hybrid'] }, 'synced-passkey'],
  ['backed up wins over a security-key AAGUID', { deviceType: 'multiDevice', backedUp: true, aaguidKind: 'security-key' }, 'synced-passkey'],
  ['backedUp alone', { deviceType: 'singleDevice', backedUp: true }, 'synced-passkey'],
  ['platform attachment', { ...single, attachment: 'platform', transports: ['internal', 'hybrid'] }, 'platform'],
  ['transports only internal, no attachment', { ...single, transports: ['internal'] }, 'platform'],
  ['transports only internal, cross-platform attachment', { ...single, attachment: 'cross-platform', transports: ['internal'] }, 'platform'],
  ['USB key', { ...single, attachment: 'cross-platform', transports: ['usb'] }, 'security-key'],
  ['NFC + USB key', { ...single, attachment: 'cross-platform', transports: ['nfc', 'usb'] }, 'security-key'],
  ['phone over hybrid with a device-bound credential', { ...single, attachment: 'cross-platform', transports: ['hybrid', 'internal'] }, 'security-key'],
  ['nothing reported, no hint', { ...single }, 'security-key'],
  ['nothing reported, platform hint (Windows Hello)', { ...single, transports: [], aaguidKind: 'platform' }, 'platform'],
  ['nothing reported, security-key hint', { ...single, aaguidKind: 'security-key' }, 'security-key'],
  ['nothing reported, synced hint but flags say device-bound', { ...single, aaguidKind: 'synced-passkey' }, 'security-key'],
  ['platform hint ignored when the browser said cross-platform', { ...single, attachment: 'cross-platform', aaguidKind: 'platform' }, 'security-key'],
  ['platform hint ignored when transports say usb', { ...single, transports: ['usb'], aaguidKind: 'platform' }, 'security-key'],
];

for (const [name, input, expected] of cases) {
  test(`credentialKind: ${name} → ${expected}`, () => {
    assert.equal(credentialKind(input), expected);
  });
}
