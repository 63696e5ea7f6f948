import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import Provider from 'oidc-provider';
import { claimsAllowed } from './claims-allowed.ts';
import { grantClaims } from './grant-claims.ts';

/** Grants only: nothing is stored or served. */
const provider = new Provider('http://localhost:1', { features: { devInteractions: { enabled: false } } });
const newGrant = () => new provider.Grant({ clientId: 'rp', accountId: '899700427885' });
/** What oidc-provider releases of `asked` through the claims parameter (lib/helpers/filter_claims.js). */
const released = (grant: InstanceType<typeof provider.Grant>, asked: string[]) => grant.getOIDCClaimsFiltered(new Set(asked));

describe('claimsAllowed', () => {
  it('covers the claims of the registered scopes and the protocol claims, nothing else', () => {
    const openid = claimsAllowed('openid');
    for (const claim of ['sub', 'acr', 'amr', 'auth_time', 'sid', 'iss']) assert.ok(openid.has(claim), claim);
    for (const claim of ['given_name', 'family_name', 'SubjectRefPro', 'SubjectOrganization', 'psc_verified_at']) assert.ok(!openid.has(claim), claim);
    const profile = claimsAllowed('openid profile');
    assert.ok(profile.has('given_name') && !profile.has('SubjectRefPro'));
    assert.ok(claimsAllowed('openid profile scope_all').has('psc_verified_at'));
  });

  it('knows no claim for an unknown or missing scope (no prototype keys either)', () => {
    assert.deepEqual([...claimsAllowed(undefined)].sort(), ['acr', 'amr', 'auth_time', 'iss', 'sid', 'sub']);
    assert.deepEqual([...claimsAllowed('constructor toString sid offline_access')].sort(), ['acr', 'amr', 'auth_time', 'iss', 'sid', 'sub']);
  });
});

describe('grantClaims', () => {
  const asked = ['SubjectRefPro', 'given_name', 'acr'];

  it('grants what the scopes cover and withholds the rest, which then counts as decided', () => {
    const grant = newGrant();
    assert.equal(grantClaims(grant, asked, { allowed: claimsAllowed('openid profile'), grant: true }), true);
    assert.deepEqual(released(grant, asked).sort(), ['acr', 'given_name']);
    assert.deepEqual(grant.getRejectedOIDCClaims(), ['SubjectRefPro']);
    assert.ok(grant.getOIDCClaimsEncountered().includes('SubjectRefPro'), 'no consent prompt for it again');
    assert.equal(grantClaims(grant, asked, { allowed: claimsAllowed('openid profile'), grant: true }), false, 'nothing changes the second time');
  });

  it('withholds a claim that an earlier grant (before the rule, or a wider registration) held', () => {
    const grant = newGrant();
    grant.addOIDCClaims(['SubjectRefPro', 'given_name']);
    assert.equal(grantClaims(grant, asked, { allowed: claimsAllowed('openid'), grant: true }), true);
    assert.deepEqual(released(grant, asked), ['acr']);
  });

  it('lifts a withholding once the registration covers the claim', () => {
    const grant = newGrant();
    grantClaims(grant, asked, { allowed: claimsAllowed('openid'), grant: true });
    assert.deepEqual(released(grant, asked), ['acr']);
    assert.equal(grantClaims(grant, asked, { allowed: claimsAllowed('openid profile scope_all'), grant: true }), true);
    assert.deepEqual(released(grant, asked).sort(), ['SubjectRefPro', 'acr', 'given_name']);
    assert.deepEqual(grant.getRejectedOIDCClaims(), []);
  });

  it('withhold only (third party before consent): grants nothing, lifts a rejection so that consent asks again', () => {
    const grant = newGrant();
    assert.equal(grantClaims(grant, asked, { allowed: claimsAllowed('openid'), grant: false }), true);
    assert.deepEqual(grant.getOIDCClaims(), []);
    assert.deepEqual(grant.getRejectedOIDCClaims(), ['SubjectRefPro', 'given_name']);
    assert.equal(grantClaims(grant, asked, { allowed: claimsAllowed('openid profile'), grant: false }), true);
    assert.deepEqual(grant.getOIDCClaims(), [], 'given_name is not granted without consent');
    assert.deepEqual(grant.getRejectedOIDCClaims(), ['SubjectRefPro']);
    assert.ok(!grant.getOIDCClaimsEncountered().includes('given_name'), 'so oidc-provider asks for it on the consent page');
  });
});
