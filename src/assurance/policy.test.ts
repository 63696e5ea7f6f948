import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { loadPolicy, parsePolicy, pscAssurance, keyOwnAssurance, asksSecondFactorAfter, assuranceOfMethod } from './index.ts';
import { ConfigError } from '../config/index.ts';

const policy = loadPolicy('config/assurance.json');

describe('pscAssurance with the default policy', () => {
  const rows: Array<[string | null, string | null, string, string[], boolean]> = [
    ['CARD', 'eidas3', 'eidas3', ['sc', 'pin', 'mfa'], true],
    ['CARD', 'eidas1', 'eidas3', ['sc', 'pin', 'mfa'], true],
    ['MOBILE', 'eidas2', 'eidas2', ['swk', 'pin', 'mfa'], false],
    ['MOBILE', 'eidas3', 'eidas2', ['swk', 'pin', 'mfa'], false],
    ['OTHER', 'eidas3', 'eidas1', [], false],
    [null, 'eidas3', 'eidas1', [], false],
    ['toString', null, 'eidas1', [], false],
  ];
  for (const [authMode, acr, level, amr, phr] of rows) {
    it(`authMode ${String(authMode)} with PSC acr ${String(acr)} → ${level}`, () => {
      const result = pscAssurance(policy, { authMode, acr });
      assert.equal(result.acr, level);
      assert.deepEqual(result.amr, amr);
      assert.equal(result.phishingResistant, phr);
    });
  }

  it('caps the level by PSC acr when the policy asks for it', () => {
    const capped = { ...policy, psc: { ...policy.psc, capByUpstreamAcr: true } };
    assert.equal(pscAssurance(capped, { authMode: 'CARD', acr: 'eidas1' }).acr, 'eidas1');
    assert.equal(pscAssurance(capped, { authMode: 'CARD', acr: 'eidas3' }).acr, 'eidas3');
    assert.equal(pscAssurance(capped, { authMode: 'CARD', acr: 'urn:unknown' }).acr, 'eidas1');
  });
});

describe('assurance policy file', () => {
  const copy = () =>
    JSON.parse(JSON.stringify(policy)) as { psc: { authModes: Record<string, string> }; methods: Record<string, { amr: string[]; level: string }> };

  it('refuses a mapping to an undefined method', () => {
    const bad = copy();
    bad.psc.authModes.CARD = 'psc-nothing';
    assert.throws(
      () => parsePolicy(bad, 'assurance.json'),
      (err: ConfigError) =>
        err.problems[0]!.key === 'assurance.json.psc.authModes.CARD' &&
        err.problems[0]!.received === '"psc-nothing"' &&
        /psc-card, psc-ecps/.test(err.problems[0]!.expected),
    );
  });

  it('refuses amr values outside RFC 8176 and unknown levels', () => {
    const bad = copy();
    bad.methods['psc-card']!.amr = ['retina-scan'];
    bad.methods['psc-ecps']!.level = 'eidas4';
    assert.throws(
      () => parsePolicy(bad, 'assurance.json'),
      (err: ConfigError) => {
        const keys = err.problems.map((p) => `${p.key}=${p.received}`);
        return keys.includes('assurance.json.methods.psc-card.amr[0]="retina-scan"') && keys.includes('assurance.json.methods.psc-ecps.level="eidas4"');
      },
    );
  });
});

describe('WebAuthn methods with the default policy', () => {
  const rows: Array<[string, boolean, string, string[]]> = [
    ['singleDevice', false, 'webauthn-device', ['hwk', 'mfa']],
    ['multiDevice', true, 'webauthn-synced', ['swk', 'mfa']],
    ['multiDevice', false, 'webauthn-synced', ['swk', 'mfa']],
    ['singleDevice', true, 'webauthn-synced', ['swk', 'mfa']],
  ];
  for (const [deviceType, backedUp, method, amr] of rows) {
    it(`${deviceType}, backed up ${backedUp} → ${method}, eidas2, phishing-resistant`, () => {
      const result = keyOwnAssurance(policy, { deviceType, backedUp });
      assert.equal(result.method, method);
      assert.equal(result.acr, 'eidas2');
      assert.deepEqual(result.amr, amr);
      assert.equal(result.phishingResistant, true);
    });
  }
  it('a key after PSC e-CPS is its own method', () => {
    const result = assuranceOfMethod(policy, policy.webauthn.secondFactor.method);
    assert.equal(result.method, 'psc-ecps+webauthn');
    assert.equal(result.phishingResistant, true);
    assert.equal(asksSecondFactorAfter(policy, 'psc-ecps'), true);
    assert.equal(asksSecondFactorAfter(policy, 'psc-card'), false);
  });
});

describe('attested keys on the allow-list', () => {
  const aaguid = 'cb69481e-8ff7-4039-93ec-0a2729a154a8';
  const listed = { ...policy, webauthn: { ...policy.webauthn, attested: { ...policy.webauthn.attested, allowList: [aaguid] } } };
  const rows: Array<[string, Parameters<typeof keyOwnAssurance>[1], string, string]> = [
    [
      'device-bound, verified attestation (MDS), listed',
      { deviceType: 'singleDevice', backedUp: false, aaguid, attestation: { verified: true, anchor: 'mds' } },
      'webauthn-attested',
      'eidas3',
    ],
    [
      'device-bound, verified attestation (establishment root), listed',
      { deviceType: 'singleDevice', backedUp: false, aaguid, attestation: { verified: true, anchor: 'establishment' } },
      'webauthn-attested',
      'eidas3',
    ],
    [
      'listed AAGUID in upper case',
      { deviceType: 'singleDevice', backedUp: false, aaguid: aaguid.toUpperCase(), attestation: { verified: true, anchor: 'mds' } },
      'webauthn-attested',
      'eidas3',
    ],
    [
      'listed AAGUID, packed self attestation (no certificate chain)',
      { deviceType: 'singleDevice', backedUp: false, aaguid, attestationFormat: 'packed', attestation: { verified: false } },
      'webauthn-device',
      'eidas2',
    ],
    [
      'listed AAGUID, packed, enrolled before attestation was verified (no attestation field)',
      { deviceType: 'singleDevice', backedUp: false, aaguid, attestationFormat: 'packed' },
      'webauthn-device',
      'eidas2',
    ],
    [
      'listed AAGUID but no attestation statement',
      { deviceType: 'singleDevice', backedUp: false, aaguid, attestationFormat: 'none', attestation: { verified: false } },
      'webauthn-device',
      'eidas2',
    ],
    [
      'listed AAGUID but synced',
      { deviceType: 'multiDevice', backedUp: true, aaguid, attestation: { verified: true, anchor: 'mds' } },
      'webauthn-synced',
      'eidas2',
    ],
    [
      'verified but not listed',
      { deviceType: 'singleDevice', backedUp: false, aaguid: '00000000-0000-0000-0000-000000000001', attestation: { verified: true, anchor: 'mds' } },
      'webauthn-device',
      'eidas2',
    ],
    ['flags missing (no AAGUID, no attestation)', { deviceType: 'singleDevice', backedUp: false }, 'webauthn-device', 'eidas2'],
  ];
  for (const [name, credential, method, level] of rows) {
    it(name, () => {
      const result = keyOwnAssurance(listed, credential);
      assert.equal(result.method, method);
      assert.equal(result.acr, level);
    });
  }
  it('the default allow-list is empty: no key alone reaches eidas3', () => {
    assert.equal(
      keyOwnAssurance(policy, { deviceType: 'singleDevice', backedUp: false, aaguid, attestation: { verified: true, anchor: 'mds' } }).acr,
      'eidas2',
    );
  });
});
