import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { redactUrl } from './request-log.ts';

describe('redactUrl', () => {
  it('hides codes, states, tokens and hints but keeps the rest', () => {
    const url = redactUrl('/federation/psc/callback?code=SECRETCODE&state=S1&iss=https%3A%2F%2Fpsc&id_token_hint=eyJ.x.y&client_id=dpi');
    assert.doesNotMatch(url, /SECRETCODE|S1|eyJ/);
    assert.match(url, /client_id=dpi/);
    assert.match(url, /iss=https/);
  });
  it("hides a pushed request's request_uri (usable at /auth until its code is issued)", () => {
    const url = redactUrl('/auth?client_id=demo-dmp&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3AABCSECRET');
    assert.doesNotMatch(url, /ABCSECRET/);
    assert.match(url, /client_id=demo-dmp/);
  });
  it('leaves URLs without a query alone', () => {
    assert.equal(redactUrl('/interaction/abc'), '/interaction/abc');
  });
});
