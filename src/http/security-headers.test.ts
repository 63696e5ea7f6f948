/**
 * The CSP nonce (security-headers.ts): each response gets its own, 16 random bytes in base64,
 * also across the refills of the pool the bytes come from.
 */
import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import type { Request, Response } from 'express';
import { cspNonce } from './security-headers.ts';

function nonces(count: number): string[] {
  const middleware = cspNonce();
  const made: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const res = { locals: {} as Record<string, unknown> } as unknown as Response;
    let called = false;
    middleware({} as Request, res, () => (called = true));
    assert.ok(called, 'the next middleware runs');
    made.push(res.locals.cspNonce as string);
  }
  return made;
}

describe('the CSP nonce', () => {
  it('is 16 bytes in base64, a new one for each response, past several refills of its pool', () => {
    const made = nonces(2000); // about eight pools of 256
    for (const nonce of made) {
      assert.match(nonce, /^[A-Za-z0-9+/]{22}==$/);
      assert.equal(Buffer.from(nonce, 'base64').length, 16);
    }
    assert.equal(new Set(made).size, made.length, 'never the same nonce twice');
  });

  it('is drawn apart for each gateway (two middlewares share no bytes)', () => {
    const first = new Set(nonces(300));
    assert.ok(nonces(300).every((nonce) => !first.has(nonce)));
  });
});
