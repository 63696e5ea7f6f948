/**
 * The AAGUID → model table: the shipped config/aaguids.json is valid and names well-known
 * models; a bad table is refused with an error naming the entry; modelFor is case-blind and
 * never names the all-zero AAGUID.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, test } from 'vitest';
import { ConfigError, formatProblem } from '../../src/config/index.ts';
import { loadAaguidTable, modelFor, parseAaguidTable, ZERO_AAGUID } from '../../src/webauthn/aaguid.ts';
import { loadAaguidsFile } from '../../src/webauthn/aaguids-file.ts';
import { AAGUIDS_PATH } from './harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'aaguids-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tableFile(content: string): string {
  const path = join(dir, `t${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, content);
  return path;
}

test('the shipped table loads and names well-known authenticators with their kind', () => {
  const table = loadAaguidTable(AAGUIDS_PATH);
  assert.ok(table.size >= 15, `expected at least 15 models, got ${table.size}`);
  assert.deepEqual(modelFor(table, 'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4'), { name: 'Google Password Manager', kind: 'synced-passkey' });
  assert.equal(modelFor(table, 'fbfc3007-154e-4ecc-8c0b-6e020557d7bd')?.kind, 'synced-passkey');
  assert.deepEqual(modelFor(table, '08987058-cadc-4b81-b6e1-30de50dcbe96'), { name: 'Windows Hello', kind: 'platform' });
  assert.deepEqual(modelFor(table, '2fc0579f-8113-47ea-b116-bb5a8db9202a'), { name: 'YubiKey 5 NFC', kind: 'security-key' });
  for (const [aaguid, model] of table) {
    assert.match(aaguid, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.ok(model.name.length > 0 && model.name.length <= 60);
  }
});

test('modelFor: upper-case AAGUIDs match; unknown and all-zero AAGUIDs have no model; no table = no model', () => {
  const table = parseAaguidTable({ 'cb69481e-8ff7-4039-93ec-0a2729a154a8': { name: 'YubiKey 5' } });
  assert.deepEqual(modelFor(table, 'CB69481E-8FF7-4039-93EC-0A2729A154A8'), { name: 'YubiKey 5' });
  assert.equal(modelFor(table, '11111111-2222-3333-4444-555555555555'), undefined);
  assert.equal(modelFor(table, ZERO_AAGUID), undefined);
  assert.equal(modelFor(undefined, 'cb69481e-8ff7-4039-93ec-0a2729a154a8'), undefined);
});

test('keys starting with $ are documentation and skipped; names are trimmed', () => {
  const table = parseAaguidTable({ $comment: 'anything', 'cb69481e-8ff7-4039-93ec-0a2729a154a8': { name: '  YubiKey 5 ' } });
  assert.equal(table.size, 1);
  assert.equal(modelFor(table, 'cb69481e-8ff7-4039-93ec-0a2729a154a8')?.name, 'YubiKey 5');
});

const bad: [string, string, RegExp][] = [
  ['not JSON', '{ "a": ', /expected a readable JSON file/],
  ['an array', '[]', /expected a JSON object of AAGUID → \{ name, kind\? \}, got an array/],
  ['a key that is not an AAGUID', '{ "yubikey": { "name": "YubiKey" } }', /entry "yubikey": expected a lowercase AAGUID/],
  [
    'an upper-case AAGUID',
    '{ "CB69481E-8FF7-4039-93EC-0A2729A154A8": { "name": "YubiKey" } }',
    /entry "CB69481E-8FF7-4039-93EC-0A2729A154A8": expected a lowercase AAGUID/,
  ],
  ['the all-zero AAGUID', `{ "${ZERO_AAGUID}": { "name": "Unknown" } }`, /the all-zero AAGUID names no model/],
  ['a missing name', '{ "cb69481e-8ff7-4039-93ec-0a2729a154a8": { "kind": "security-key" } }', /entry "cb69481e-8ff7-4039-93ec-0a2729a154a8": name:/],
  ['an empty name', '{ "cb69481e-8ff7-4039-93ec-0a2729a154a8": { "name": " " } }', /entry "cb69481e-8ff7-4039-93ec-0a2729a154a8": name:/],
  [
    'an unknown kind',
    '{ "cb69481e-8ff7-4039-93ec-0a2729a154a8": { "name": "YubiKey", "kind": "usb" } }',
    /entry "cb69481e-8ff7-4039-93ec-0a2729a154a8": kind:/,
  ],
  ['an unknown field', '{ "cb69481e-8ff7-4039-93ec-0a2729a154a8": { "name": "YubiKey", "icon": "x" } }', /entry "cb69481e-8ff7-4039-93ec-0a2729a154a8":/],
  ['a string instead of an object', '{ "cb69481e-8ff7-4039-93ec-0a2729a154a8": "YubiKey" }', /entry "cb69481e-8ff7-4039-93ec-0a2729a154a8": value:/],
];

for (const [what, content, message] of bad) {
  test(`loadAaguidTable refuses ${what}, naming the file and the entry`, () => {
    const path = tableFile(content);
    assert.throws(
      () => loadAaguidTable(path),
      (error: Error) => {
        assert.ok(error.message.includes(path), `expected the path in: ${error.message}`);
        assert.match(error.message, message);
        return true;
      },
    );
  });
}

test('loadAaguidTable: a missing file says so', () => {
  assert.throws(() => loadAaguidTable(join(dir, 'absent.json')), /absent\.json: expected a readable JSON file, got ENOENT/);
});

test('loadAaguidsFile: a table that cannot serve is one configuration line naming WEBAUTHN_AAGUIDS_FILE', () => {
  const path = tableFile('{ "yubikey": { "name": "YubiKey" } }');
  assert.throws(
    () => loadAaguidsFile({ aaguidsFile: path }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError, String(error));
      assert.deepEqual(error.problems.map(formatProblem), [
        `config: webauthn.aaguidsFile (WEBAUTHN_AAGUIDS_FILE) = ${JSON.stringify(path)} — expected entries named by a lowercase AAGUID like "cb69481e-8ff7-4039-93ec-0a2729a154a8" (entry "yubikey")`,
      ]);
      return true;
    },
  );
});
