import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { detectLocale, loadCatalogs, translator } from './i18n.ts';
import { VIEWS_DIR } from './views.ts';

describe('i18n', () => {
  it('French and English catalogues have the same keys', () => {
    const { fr, en } = loadCatalogs(VIEWS_DIR);
    assert.deepEqual(Object.keys(en).sort(), Object.keys(fr).sort());
  });

  it('every message key used by a template exists', () => {
    const { fr } = loadCatalogs(VIEWS_DIR);
    for (const file of readdirSync(VIEWS_DIR).filter((f) => f.endsWith('.eta'))) {
      for (const [, key] of readFileSync(`${VIEWS_DIR}${file}`, 'utf8').matchAll(/it\.t\('([\w.-]+)'\s*[,)]/g)) {
        assert.ok(Object.hasOwn(fr, key!), `${file} uses missing key ${key}`);
      }
    }
  });

  it('picks ?lang=, then the cookie, then Accept-Language, else French', () => {
    assert.equal(detectLocale('en', 'fr', 'fr'), 'en');
    assert.equal(detectLocale(undefined, 'en', 'fr'), 'en');
    assert.equal(detectLocale(undefined, undefined, 'en-GB,en;q=0.8'), 'en');
    assert.equal(detectLocale('de', 'xx', 'de-DE'), 'fr');
  });

  it('fills parameters', () => {
    assert.equal(translator({ a: 'Bonjour {name}' })('a', { name: 'Kit' }), 'Bonjour Kit');
  });
});
