import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { pscLoginFromClaims } from './psc-claims.ts';
import { FederationError } from './errors.ts';

const userinfo = {
  sub: 'f:550dc1c8-d97b-4b1e-ac8c-8eb4471cf9dd:899700427885',
  SubjectNameID: '899700427885',
  preferred_username: '899700427885',
  given_name: 'KIT',
  family_name: 'DOC0042788',
  authMode: 'CARD',
  SubjectRole: ['10^1.2.250.1.213.1.1.5.5'],
  SubjectRefPro: { exercices: [{ codeProfession: '10', activities: [] }] },
};

function refusal(info: unknown): string {
  try {
    pscLoginFromClaims({ acr: 'eidas3' }, info);
  } catch (err) {
    assert.ok(err instanceof FederationError);
    assert.equal(err.failure, 'invalid-claims');
    return err.message;
  }
  assert.fail('expected invalid-claims');
}

describe('pscLoginFromClaims', () => {
  it('maps PSC userinfo to a login, keeping PSC shapes', () => {
    const { login, authMode, acr } = pscLoginFromClaims({ acr: 'eidas3' }, userinfo);
    assert.equal(login.profile.SubjectNameID, '899700427885');
    assert.equal(authMode, 'CARD');
    assert.equal(acr, 'eidas3');
    assert.deepEqual(login.profile.SubjectRefPro, userinfo.SubjectRefPro);
  });

  it('takes authMode from the ID token when userinfo lacks it, and accepts null', () => {
    const { authMode } = pscLoginFromClaims({ authMode: 'MOBILE' }, { ...userinfo, authMode: undefined });
    assert.equal(authMode, 'MOBILE');
    assert.equal(pscLoginFromClaims({}, { ...userinfo, authMode: null }).authMode, null);
  });

  it('refuses a sub naming another person than SubjectNameID', () => {
    assert.match(refusal({ ...userinfo, sub: 'f:uuid:810101234561' }), /sub names "810101234561" but SubjectNameID is "899700427885"/);
  });

  it('refuses an idNat that could break storage keys', () => {
    assert.match(refusal({ ...userinfo, SubjectNameID: '8997}{00' }), /SubjectNameID/);
    assert.match(refusal({ ...userinfo, SubjectNameID: undefined, preferred_username: 'a:b' }), /neither SubjectNameID nor a usable preferred_username/);
  });

  it('refuses lists that are not lists', () => {
    assert.match(refusal({ ...userinfo, SubjectRole: '10^1.2.250' }), /SubjectRole/);
  });
});
