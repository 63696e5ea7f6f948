/**
 * The cookie signer (cookie-signer.ts) signs as keygrip does, so that cookies signed before it
 * (and by an instance of the previous release) stay valid; it finds the key that signed, and
 * refuses a signature that any byte of the cookie or of the signature changed.
 */
import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { cookieSigner } from './cookie-signer.ts';

// keygrip is what Koa's cookies use without ours (a dependency of oidc-provider's koa): the reference.
const Keygrip = createRequire(import.meta.url)('keygrip') as new (keys: string[]) => {
  sign(data: string): string;
  index(data: string, digest: string): number;
};

const NEWEST = 'newest-cookie-key-0123456789abcdefghijklmnop';
const OLDER = 'older-cookie-key-0123456789abcdefghijklmnopq';

describe('the cookie signer', () => {
  it("signs as keygrip does: the same signature for every cookie, keygrip's accepted and ours accepted by keygrip", () => {
    const ours = cookieSigner([NEWEST, OLDER]);
    const reference = new Keygrip([NEWEST, OLDER]);
    for (const data of ['hc_session=abc', 'hc_interaction=' + 'x'.repeat(43), 'hc_interaction_resume=é/+=?', '']) {
      assert.equal(ours.sign(data), reference.sign(data));
      assert.equal(ours.index(data, reference.sign(data)), 0);
      assert.equal(reference.index(data, ours.sign(data)), 0);
    }
  });

  it('finds which key signed: 0 for the newest, 1 for the one before (Koa then signs the cookie again)', () => {
    const ours = cookieSigner([NEWEST, OLDER]);
    const byOlder = cookieSigner([OLDER]).sign('hc_session=abc');
    assert.equal(ours.index('hc_session=abc', byOlder), 1);
    assert.equal(ours.verify('hc_session=abc', byOlder), true);
    assert.equal(cookieSigner([NEWEST]).index('hc_session=abc', byOlder), -1, 'a retired key verifies nothing');
  });

  it('refuses a cookie whose value or signature was changed, cut, lengthened, or is not a string', () => {
    const ours = cookieSigner([NEWEST, OLDER]);
    const signature = ours.sign('hc_session=abc');
    assert.equal(ours.index('hc_session=abd', signature), -1, 'another session id under the same signature');
    assert.equal(ours.index('hc_session=abc', `${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`), -1);
    assert.equal(ours.index('hc_session=abc', signature.slice(0, -1)), -1);
    assert.equal(ours.index('hc_session=abc', `${signature}=`), -1);
    assert.equal(ours.index('hc_session=abc', ''), -1);
    assert.equal(ours.index('hc_session=abc', undefined as unknown as string), -1);
  });

  it('needs a key', () => {
    assert.throws(() => cookieSigner([]), /expected at least one cookie key/);
  });
});
