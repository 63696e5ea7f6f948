import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { redactUrl } from './request-log.ts';

describe('redactUrl', () => {
  it('hides codes, states, tokens and hints but keeps the rest', () => {
    const url = redactUrl('/federation/psc/callback?code=SECRETCODE&state=S1&iss=https%3A%2F%2Fpsc&id_token_hint=eyJ.x.y&client_id=dpi');
    assert.doesNotMatch(url, /SECRETCODE|S1|eyJ/);
    assert.match(url, /client_id=dpi/);
    assert.match(url, /iss=https/);
  });
  it('leaves URLs without a query alone', () => {
    assert.equal(redactUrl('/interaction/abc'), '/interaction/abc');
  });
});
