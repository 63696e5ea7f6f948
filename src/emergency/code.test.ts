import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { codeDigest, generateCode, normalizeCode } from './code.ts';

describe('emergency access codes', () => {
  it('are four groups of four characters without look-alikes, each one different', () => {
    const codes = new Set(Array.from({ length: 50 }, generateCode));
    assert.equal(codes.size, 50);
    for (const code of codes) assert.match(code, /^[ACDEFGHJKMNPQRTUVWXY34679]{4}(-[ACDEFGHJKMNPQRTUVWXY34679]{4}){3}$/);
  });
  it('are read whatever the case, spaces or dashes; anything else is no code', () => {
    assert.equal(normalizeCode(' k7qm 3xwp-ht9d rc4a '), 'K7QM3XWPHT9DRC4A');
    for (const bad of ['K7QM-3XWP-HT9D', 'B7QM-3XWP-HT9D-RC4A', 'K7QM-3XWP-HT9D-RC4A-', 12, undefined, 'x'.repeat(100)]) {
      assert.equal(normalizeCode(bad), bad === 'K7QM-3XWP-HT9D-RC4A-' ? 'K7QM3XWPHT9DRC4A' : undefined, String(bad));
    }
  });
  it('are stored by a digest of their one form', () => {
    assert.equal(codeDigest('k7qm 3xwp ht9d rc4a'), codeDigest('K7QM-3XWP-HT9D-RC4A'));
    assert.doesNotMatch(codeDigest('K7QM-3XWP-HT9D-RC4A'), /K7QM/);
  });
});
