/**
 * bench/load/journeys.ts, the application's authorization request: its state and nonce as
 * openid-client makes them (README's quickstart and docs/integration.md tell applications to use
 * it). The code and tokens keep the nonce: a shorter one made a session lighter in Redis than an
 * application following our guide makes it.
 */
import assert from 'node:assert/strict';
import { randomNonce, randomState } from 'openid-client';
import { describe, test } from 'vitest';
import { authorizationRequest } from '../../bench/load/journeys.ts';

describe("the bench's authorization request", () => {
  test("carries openid-client's state and nonce, PKCE S256 from a 43-character verifier", () => {
    const { url, verifier, state } = authorizationRequest({ issuer: 'http://127.0.0.1:1', clientId: 'bench-dpi', secret: 'x'.repeat(32) });
    const params = url.searchParams;
    assert.equal(params.get('state'), state);
    assert.equal(state.length, randomState().length);
    assert.equal(params.get('nonce')!.length, randomNonce().length);
    assert.equal(randomNonce().length, 43, "openid-client's nonce: 32 random bytes");
    assert.notEqual(
      params.get('nonce'),
      authorizationRequest({ issuer: 'http://127.0.0.1:1', clientId: 'bench-dpi', secret: '' }).url.searchParams.get('nonce'),
    );
    assert.equal(params.get('code_challenge_method'), 'S256');
    assert.equal(verifier.length, 43);
  });
});
