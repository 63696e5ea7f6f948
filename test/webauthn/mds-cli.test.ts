/**
 * `npm run mds -- import FILE` and `status` against a real Redis, with a test MDS root passed
 * by --root (the production default is config/fido-mds-root.pem): a good BLOB is loaded and
 * audited; a malformed, altered, wrongly chained, expired or older BLOB is refused with exit
 * code 2 and one line, and nothing is stored.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { Redis } from 'ioredis';
import { createRedisAuditLog } from '../../src/audit/index.ts';
import { loadKeys } from '../../src/signing-keys/load.ts';
import { createKeyNames } from '../../src/store/key-names.ts';
import { createRedisConnection } from '../../src/store/redis-connection.ts';
import { createRedisStore } from '../../src/store/redis-store.ts';
import type { Store } from '../../src/store/store.ts';
import { createMetadataStore } from '../../src/mds/index.ts';
import { blobPayload, createTestMds, inDays, signBlob, type TestMds } from '../support/test-mds.ts';
import { createTestPki, type TestPki } from '../support/test-pki.ts';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../support/redis.ts';

const AAGUID = '7e57a000-0000-4000-8000-000000000010';

let pki: TestPki;
let mds: TestMds;
let dir: string;
let prefix: string;
let keysDir: string;
let macKey: string;
let store: Store;

beforeAll(async () => {
  pki = createTestPki();
  mds = createTestMds(pki);
  dir = mkdtempSync(join(tmpdir(), 'hc-mds-'));
  keysDir = join(dir, 'keys');
  macKey = (await loadKeys({ dir: keysDir, createIfMissing: true })).auditMacKey;
  prefix = uniquePrefix('mds-cli');
  store = createRedisStore(createRedisConnection({ url: TEST_REDIS_URL }));
});
afterAll(async () => {
  await store.close();
  await deletePrefix(prefix);
  rmSync(dir, { recursive: true, force: true });
  pki.remove();
});

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Runs `npm run mds -- …` as an operator would (without npm). */
function mdsCommand(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: prefix,
    KEYS_DIR: keysDir,
    NODE_ENV: 'test',
    USER: 'iam-operator',
    AUDIT_LOG_FILE: join(dir, 'audit-mirror.jsonl'),
  };
  delete env.SUDO_USER;
  return new Promise((resolve) => {
    execFile(process.execPath, ['src/admin/mds-cli.ts', ...args], { encoding: 'utf8', env }, (error, stdout, stderr) => {
      resolve({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

const withTestRoot = (...args: string[]) => mdsCommand(...args, '--root', mds.root.certFile);

async function stored(): Promise<Record<string, string | null>> {
  const keyNames = createKeyNames(prefix);
  return { blob: await store.get(keyNames.custom('mds', 'blob')), entries: await store.get(keyNames.custom('mds', 'entries')) };
}

/** One line on stderr, exit 2, nothing on stdout. */
function refusedWith(result: { status: number | null; stdout: string; stderr: string }, pattern: RegExp): void {
  assert.equal(result.status, 2, `exit 2, got ${result.status}: ${result.stderr}`);
  assert.equal(result.stdout, '');
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line, got:\n${result.stderr}`);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(result.stderr, /\bat .+:\d+:\d+/, 'no stack trace');
}

async function auditEvents() {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    const log = createRedisAuditLog(redis, createKeyNames(prefix), macKey);
    const events = await log.range({ order: 'oldest-first', limit: 100 });
    await log.close();
    return events.filter((event) => event.type === 'admin.action');
  } finally {
    redis.disconnect();
  }
}

describe('npm run mds', () => {
  it('refuses bad BLOBs with exit 2 and one line, storing nothing', async () => {
    const good = mds.blob({ no: 5, entries: [{ aaguid: AAGUID, roots: [mds.root.cert] }] });
    const [header, payload] = good.split('.');
    const otherPayload = Buffer.from(JSON.stringify(blobPayload({ no: 6, entries: [] }))).toString('base64url');
    const stranger = createTestMds(pki, 'stranger-root');
    const cases: [string, string, RegExp][] = [
      ['empty file', '', /not an MDS BLOB: expected a JWS .*empty file/],
      ['not a JWS', '<html>Access denied</html>', /not an MDS BLOB: expected a JWS in compact form/],
      ['payload not JSON', `${header}.bm90IGpzb24.c2ln`, /not an MDS BLOB: its payload is not base64url JSON/],
      ['payload without entries', signBlob({ no: 1, nextUpdate: inDays(10) }, mds.signer), /not an MDS BLOB: payload entries/],
      ['header without x5c', `${Buffer.from('{"alg":"ES256"}').toString('base64url')}.${payload}.c2ln`, /header x5c/],
      ['bad signature (payload swapped)', `${header}.${otherPayload}.${good.split('.')[2]}`, /signature does not verify/],
      ['unknown root', stranger.blob({ no: 5, entries: [] }), /certificate chain does not lead to the trusted MDS root/],
      ['expired (nextUpdate passed)', mds.blob({ no: 5, nextUpdate: inDays(-1), entries: [] }), /out of date: nextUpdate .* has passed/],
    ];
    for (const [name, text, pattern] of cases) {
      const result = await withTestRoot('import', file(`${name.replace(/\W+/g, '-')}.jwt`, text));
      refusedWith(result, new RegExp(`^mds import: .*${pattern.source}`));
      assert.deepEqual(await stored(), { blob: null, entries: null }, `${name}: nothing stored`);
    }
    // The production root (the default) does not vouch for the test MDS.
    refusedWith(await mdsCommand('import', file('good.jwt', good)), /certificate chain does not lead to the trusted MDS root/);
    refusedWith(await withTestRoot('import', join(dir, 'missing.jwt')), /^mds import: .*missing\.jwt: no such file/);
    refusedWith(await mdsCommand('import', file('good2.jwt', good), '--root', file('not-pem.pem', 'hello')), /^mds import: trusted root .*PEM certificates/);
    assert.deepEqual(await stored(), { blob: null, entries: null });

    const status = await mdsCommand('status');
    assert.equal(status.status, 1);
    assert.match(status.stdout, /no BLOB loaded/);
  });

  it('loads a good BLOB, says so, is audited; an older one is refused, the same one changes nothing', async () => {
    const result = await withTestRoot('import', file('blob-5.jwt', mds.blob({ no: 5, entries: [{ aaguid: AAGUID, roots: [mds.root.cert] }] })));
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^loaded BLOB no\. 5 \(nextUpdate \d{4}-\d{2}-\d{2}, 1 models with an AAGUID\)/);
    const entry = await createMetadataStore(store, createKeyNames(prefix), { refreshMs: 0 }).entryFor(AAGUID.toUpperCase());
    assert.equal(entry?.aaguid, AAGUID);

    const status = await mdsCommand('status');
    assert.equal(status.status, 0);
    assert.match(status.stdout, /^BLOB no\. 5, nextUpdate \d{4}-\d{2}-\d{2}, imported .*, 1 models/);

    const before = await stored();
    refusedWith(await withTestRoot('import', file('blob-4.jwt', mds.blob({ no: 4, entries: [] }))), /older than the one loaded \(no\. 4 < no\. 5\)/);
    assert.deepEqual(await stored(), before);
    const again = await withTestRoot('import', file('blob-5-again.jwt', mds.blob({ no: 5, entries: [] })));
    assert.equal(again.status, 0);
    assert.match(again.stdout, /already loaded.*nothing changed/);
    assert.deepEqual(await stored(), before);

    const next = await withTestRoot('import', file('blob-6.jwt', mds.blob({ no: 6, entries: [] })));
    assert.match(next.stdout, /loaded BLOB no\. 6 .*replacing no\. 5/);

    const events = (await auditEvents()).filter((event) => event.details?.action === 'mds-import');
    assert.deepEqual(
      events.map((event) => [event.outcome, event.details?.no ?? null]),
      [
        ...Array.from({ length: 9 }, () => ['failure', null]), // the refusals of the first test that reached the store
        ['success', 5],
        ['failure', null],
        ['info', 5],
        ['success', 6],
      ],
    );
    assert.equal(events.at(-1)?.details?.operator, 'iam-operator');
  });

  it('refuses bad usage with exit 2', async () => {
    for (const args of [[], ['import'], ['status', 'x'], ['export'], ['status', '--root', 'x']]) {
      const result = await mdsCommand(...args);
      assert.equal(result.status, 2, args.join(' '));
      assert.match(result.stderr, /^mds: .*\nusage: npm run mds/);
    }
  });
});
