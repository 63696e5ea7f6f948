/** WEBAUTHN_ESTABLISHMENT_ROOTS_FILE is read at start-up: a file that cannot serve stops it with a ConfigError naming the variable. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ConfigError } from '../../src/config/index.ts';
import { loadEstablishmentRoots } from '../../src/mds/index.ts';
import { createTestPki, type TestPki } from '../support/test-pki.ts';

let pki: TestPki;
beforeAll(() => {
  pki = createTestPki();
});
afterAll(() => pki.remove());

const settings = (file?: string) => ({ rpName: 'x', timeoutSeconds: 60, requireAttestation: false, ...(file ? { establishmentRootsFile: file } : {}) });

describe('establishment roots', () => {
  it('reads every root of the file; none without the setting', () => {
    const a = pki.ca('root-a');
    const b = pki.ca('root-b');
    const file = join(pki.dir, 'roots.pem');
    writeFileSync(file, `# roots of the keys we bought\n${a.cert}${b.cert}`);
    assert.deepEqual(
      loadEstablishmentRoots(settings(file)).map((pem) => pem.trim()),
      [a.cert.trim(), b.cert.trim()],
    );
    assert.deepEqual(loadEstablishmentRoots(settings()), []);
  });

  it('refuses a missing file, a file without certificates, and a certificate that is not a CA', () => {
    const leaf = pki.ca('issuer').issue('leaf', '/C=FR/O=X/CN=leaf');
    writeFileSync(join(pki.dir, 'empty.pem'), 'nothing here');
    for (const [file, expected] of [
      ['missing.pem', /no such file/],
      ['empty.pem', /this file has none/],
      [leaf.certFile, /is not a CA/],
    ] as const) {
      let caught: unknown;
      try {
        loadEstablishmentRoots(settings(file.startsWith('/') ? file : join(pki.dir, file)));
      } catch (err) {
        caught = err;
      }
      assert.ok(caught instanceof ConfigError, String(caught));
      assert.equal(caught.problems[0]?.env, 'WEBAUTHN_ESTABLISHMENT_ROOTS_FILE');
      assert.match(caught.problems[0]!.expected, expected);
    }
  });
});
