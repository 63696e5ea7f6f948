import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import type { Client } from 'oidc-provider';
import { consentClaims } from './consent-claims.ts';
import { CLAIMS } from '../oidc/claims-config.ts';
import { loadCatalogs } from '../http/i18n.ts';
import { VIEWS_DIR } from '../http/views.ts';

const client = (scope: string, includeSid = false) => ({ scope, includeSid: () => includeSid }) as unknown as Client;
const claims = (c: Record<string, unknown>) => JSON.stringify(c);

describe('consentClaims', () => {
  it('lists the claims of the scopes asked, in page order', () => {
    assert.deepEqual(consentClaims({ scope: 'openid profile' }, client('openid profile scope_all')).claims, [
      'sub',
      'acr',
      'amr',
      'auth_time',
      'given_name',
      'family_name',
      'name',
      'preferred_username',
      'updated_at',
    ]);
  });

  it('adds the claims asked through `claims` that the registered scopes cover, and only those', () => {
    const asked = claims({
      id_token: { SubjectRefPro: null, given_name: { essential: true }, acr: { essential: true } },
      userinfo: { psc_verified_at: null, iss: null, unknown_claim: null },
    });
    assert.deepEqual(consentClaims({ scope: 'openid', claims: asked }, client('openid scope_all')).claims, [
      'sub',
      'acr',
      'amr',
      'auth_time',
      'SubjectRefPro',
      'psc_verified_at',
    ]);
    assert.deepEqual(consentClaims({ scope: 'openid', claims: asked }, client('openid')).claims, ['sub', 'acr', 'amr', 'auth_time']);
  });

  it('lists sid when the client gets it, and offline access apart', () => {
    const listed = consentClaims({ scope: 'openid offline_access' }, client('openid offline_access', true));
    assert.deepEqual(listed, { claims: ['sub', 'acr', 'amr', 'auth_time', 'sid'], offlineAccess: true });
  });

  it('ignores a `claims` value it cannot read', () => {
    for (const bad of ['{not json', 'null', '[]', 42])
      assert.deepEqual(consentClaims({ scope: 'openid', claims: bad }, client('openid')).claims, ['sub', 'acr', 'amr', 'auth_time']);
  });

  it('has a French and an English name for every claim it can list', () => {
    const { fr, en } = loadCatalogs(VIEWS_DIR);
    const everything = consentClaims({ scope: Object.keys(CLAIMS).join(' ') }, client(Object.keys(CLAIMS).join(' '), true)).claims;
    assert.ok(everything.length >= 17);
    for (const claim of everything) {
      assert.ok(fr[`consent.claim.${claim}`], `fr: ${claim}`);
      assert.ok(en[`consent.claim.${claim}`], `en: ${claim}`);
    }
  });
});
