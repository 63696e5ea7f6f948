import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { issuedAcr, requirementFor, satisfies, type Level, type Requirement } from './index.ts';

type Auth = { acr: Level; phishingResistant: boolean; hardwareProtected: boolean };

const card: Auth = { acr: 'eidas3' as const, phishingResistant: true, hardwareProtected: true };
const ecps: Auth = { acr: 'eidas2' as const, phishingResistant: false, hardwareProtected: false };
const synced: Auth = { acr: 'eidas2' as const, phishingResistant: true, hardwareProtected: false };
const device: Auth = { acr: 'eidas2' as const, phishingResistant: true, hardwareProtected: true };

describe('requirementFor', () => {
  const rows: Array<[string, Parameters<typeof requirementFor>[0], Partial<Requirement>]> = [
    ['nothing asked', {}, { level: 'eidas1', phishingResistant: false, mandatory: false }],
    ['acr_values eidas2', { acrValues: 'eidas2' }, { level: 'eidas2', mandatory: false }],
    ['the weakest of several acr_values', { acrValues: 'eidas3 eidas2' }, { level: 'eidas2' }],
    ['unknown values ignored', { acrValues: 'urn:x loa-9' }, { level: 'eidas1' }],
    ['phr', { acrValues: 'phr' }, { level: 'eidas2', phishingResistant: true, hardwareProtected: false }],
    ['phrh', { acrValues: 'phrh' }, { phishingResistant: true, hardwareProtected: true }],
    ['essential acr value', { essentialAcr: { essential: true, value: 'eidas3' } }, { level: 'eidas3', mandatory: true }],
    ['essential acr values', { essentialAcr: { essential: true, values: ['eidas3', 'eidas2'] } }, { level: 'eidas2', mandatory: true }],
    ['non-essential acr claim ignored', { essentialAcr: { value: 'eidas3' } }, { level: 'eidas1', mandatory: false }],
    [
      'client minimum wins over a weaker request',
      { acrValues: 'eidas1', clientMinimum: { level: 'eidas3', phishingResistant: true } },
      { level: 'eidas3', phishingResistant: true, mandatory: true },
    ],
    ['a stronger request wins over the client minimum', { acrValues: 'eidas3', clientMinimum: { level: 'eidas2' } }, { level: 'eidas3' }],
  ];
  for (const [name, input, expected] of rows) {
    it(name, () => {
      const r = requirementFor(input);
      for (const [k, v] of Object.entries(expected)) assert.deepEqual(r[k as keyof Requirement], v, `${name}: ${k}`);
    });
  }
});

describe('satisfies and issuedAcr', () => {
  const req = (acrValues: string, min?: Requirement['level']) => requirementFor({ acrValues, clientMinimum: { level: min } });
  const essential = (values: string[]) => requirementFor({ essentialAcr: { essential: true, values } });
  const rows: Array<[string, Auth, Requirement, boolean, string]> = [
    ['card meets eidas3', card, req('eidas3'), true, 'eidas3'],
    ['card asked eidas2 still says eidas3 (the level reached)', card, req('eidas2'), true, 'eidas3'],
    ['e-CPS does not meet eidas3', ecps, req('eidas3'), false, 'eidas2'],
    ['e-CPS is not phishing-resistant', ecps, req('phr'), false, 'eidas2'],
    ['synced passkey meets phr and is issued phr', synced, req('phr'), true, 'phr'],
    ['synced passkey does not meet phrh (and phr was not asked)', synced, req('phrh'), false, 'eidas2'],
    ['device-bound key meets phrh', device, req('phrh'), true, 'phrh'],
    ['card asked phrh', card, req('phrh'), true, 'phrh'],
    ['essential values: card gets the one asked (OIDC Core §5.5.1.1)', card, essential(['eidas1']), true, 'eidas1'],
    ['essential values: the highest one met', card, essential(['eidas1', 'eidas2']), true, 'eidas2'],
    ['essential values: one not met is never issued', ecps, essential(['eidas3', 'eidas1']), true, 'eidas1'],
    ['essential values: phr outranks eidas2 when met', synced, essential(['eidas2', 'phr']), true, 'phr'],
    ['essential values: phr not met, eidas2 is', ecps, essential(['phr', 'eidas2']), true, 'eidas2'],
    ['essential values, unknown ones ignored', card, essential(['urn:x', 'eidas2']), true, 'eidas2'],
    ['synced passkey below a client minimum eidas3', synced, req('', 'eidas3'), false, 'eidas2'],
  ];
  for (const [name, assurance, requirement, ok, acr] of rows) {
    it(name, () => {
      assert.equal(satisfies(assurance, requirement), ok);
      assert.equal(issuedAcr(assurance, requirement), acr);
    });
  }
});
