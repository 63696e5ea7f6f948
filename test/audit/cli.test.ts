/**
 * `npm run audit -- …` as a real process: exit codes (0 intact, 1 tampered, 2 usage,
 * configuration or missing key), export filtered by time in JSON lines and CSV, to stdout
 * or a new 0600 file, verify of an export file, tail and tail --follow.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseJsonl } from '../../src/audit/index.ts';
import { TEST_REDIS_URL } from '../support/redis.ts';
import { KEY, ROOT, WRONG_KEY, body, cliEnv, redisLog, runCli, type RedisLogFixture } from './helpers.ts';

describe('audit CLI', () => {
  let fixture: RedisLogFixture;
  let env: Record<string, string>;
  const dir = mkdtempSync(join(tmpdir(), 'audit-cli-'));
  // A cwd without keys/: the MAC key can only come from the environment.
  const bare = mkdtempSync(join(tmpdir(), 'audit-cli-cwd-'));
  const cli = (args: string[], extra: Record<string, string> = {}) => runCli(args, { ...env, ...extra }, { cwd: bare });

  beforeAll(async () => {
    fixture = await redisLog('audit-cli');
    env = cliEnv(fixture.prefix);
    // 12 events, one per minute from 2025-03-01T08:00Z (body()), the 5th with a comma and quotes.
    for (let i = 0; i < 12; i++) {
      await fixture.log.append(i === 4 ? { ...body(i), reason: 'said "no", twice' } : body(i));
    }
  });
  afterAll(() => fixture.close());

  describe('usage and configuration (exit 2)', () => {
    const cases: Array<[string, string[], Record<string, string>, RegExp]> = [
      ['no command', [], {}, /audit: no command\nusage: npm run audit -- verify/],
      ['an unknown command', ['rewrite'], {}, /unknown command "rewrite"/],
      ['an unknown option', ['verify', '--force'], {}, /Unknown option '--force'/],
      ['a bad --from-seq', ['verify', '--from-seq', 'ten'], {}, /expected --from-seq to be a positive integer, got "ten"/],
      ['a bad --anchor', ['verify', '--anchor', '12'], {}, /expected --anchor SEQ:MAC/],
      ['export without --from', ['export', '--to', '2025-03-02'], {}, /expected --from <ISO date>, got none/],
      ['export with a bad date', ['export', '--from', 'yesterday', '--to', '2025-03-02'], {}, /expected --from as an ISO 8601 date .*got "yesterday"/],
      ['export with --to before --from', ['export', '--from', '2025-03-02', '--to', '2025-03-01'], {}, /expected --to after --from/],
      [
        'export in another format',
        ['export', '--from', '2025-03-01', '--to', '2025-03-02', '--format', 'xml'],
        {},
        /expected --format jsonl or csv, got "xml"/,
      ],
      ['tail with a bad -n', ['tail', '-n', '0'], {}, /expected -n to be a positive integer, got "0"/],
      ['no MAC key', ['verify'], { AUDIT_MAC_KEY: '' }, /expected the audit MAC key in AUDIT_MAC_KEY .*got none/],
      ['a short MAC key', ['verify'], { AUDIT_MAC_KEY: 'short' }, /config: audit\.macKey \(AUDIT_MAC_KEY\) = .* at least 32 characters/],
      ['no Redis', ['verify'], { REDIS_URL: '' }, /expected REDIS_URL .*got none/],
      ['a bad Redis URL', ['verify'], { REDIS_URL: 'http://x' }, /config: redis\.url \(REDIS_URL\)/],
    ];
    for (const [name, args, extra, pattern] of cases) {
      it(`exits 2 on ${name}`, async () => {
        const run = await cli(args, extra);
        assert.equal(run.code, 2, run.stdout + run.stderr);
        assert.match(run.stderr, pattern);
        assert.equal(run.stdout, '');
      });
    }

    it('exits 2 when Redis cannot be reached', async () => {
      const run = await cli(['verify'], { REDIS_URL: 'redis://127.0.0.1:1' });
      assert.equal(run.code, 2);
      assert.match(run.stderr, /audit verify: could not complete: /);
    });

    it('reads the key from keys/audit-mac-key.json when AUDIT_MAC_KEY is unset, like the gateway', async () => {
      const keysDir = mkdtempSync(join(tmpdir(), 'audit-cli-keys-'));
      writeFileSync(join(keysDir, 'audit-mac-key.json'), JSON.stringify(KEY));
      const run = await cli(['verify'], { AUDIT_MAC_KEY: '', KEYS_DIR: keysDir });
      assert.equal(run.code, 0, run.stderr);
    });
  });

  describe('verify', () => {
    it('exits 0 on an intact chain', async () => {
      const run = await cli(['verify']);
      assert.deepEqual([run.code, run.stdout], [0, 'OK: 12 events, chain intact (seq 1..12)\n']);
    });

    it('exits 1 with the wrong key, at position 1', async () => {
      const run = await cli(['verify'], { AUDIT_MAC_KEY: WRONG_KEY });
      assert.equal(run.code, 1);
      assert.match(run.stdout, /^TAMPERED at position 1 \(seq 1\): modified — /);
    });

    it('exits 0 on an empty log', async () => {
      const empty = await redisLog('audit-cli-empty');
      try {
        const run = await runCli(['verify'], cliEnv(empty.prefix), { cwd: bare });
        assert.deepEqual([run.code, run.stdout], [0, 'OK: 0 events, chain intact (empty)\n']);
      } finally {
        await empty.close();
      }
    });

    it('verifies an export file, and finds a change in it', async () => {
      const file = join(dir, 'verify-me.jsonl');
      assert.equal((await cli(['export', '--from', '2025-03-01T08:03:00Z', '--to', '2025-03-01T08:08:00Z', '--out', file])).code, 0);
      const ok = await cli(['verify', '--file', file], { REDIS_URL: '' });
      assert.deepEqual([ok.code, ok.stdout], [0, 'OK: 5 events, chain intact (seq 4..8)\n']);
      writeFileSync(file, readFileSync(file, 'utf8').replace('"outcome":"success"', '"outcome":"failure"'));
      const bad = await cli(['verify', '--file', file], { REDIS_URL: '' });
      assert.equal(bad.code, 1);
      assert.match(bad.stdout, /^TAMPERED at position \d \(seq \d\): modified — /);
    });
  });

  describe('export', () => {
    it('writes the events of [from, to) as JSON lines on stdout', async () => {
      const run = await cli(['export', '--from', '2025-03-01T08:02:00Z', '--to', '2025-03-01T08:05:00Z']);
      assert.equal(run.code, 0, run.stderr);
      const events = parseJsonl(run.stdout);
      assert.deepEqual(
        events.map((e) => e.seq),
        [3, 4, 5],
      );
      assert.equal(events[2]!.reason, 'said "no", twice');
      assert.match(run.stderr, /3 event\(s\) \(seq 3\.\.5\) from 2025-03-01T08:02:00\.000Z to 2025-03-01T08:05:00\.000Z/);
    });

    it('takes whole days, and writes CSV', async () => {
      const run = await cli(['export', '--from', '2025-03-01', '--to', '2025-03-02', '--format', 'csv']);
      assert.equal(run.code, 0, run.stderr);
      const lines = run.stdout.split('\r\n');
      assert.equal(lines[0], 'seq,time,type,outcome,actor,profession,clientId,reason,ip,userAgent,requestId,instance,details,mac');
      assert.equal(lines.length, 14, 'header, 12 rows, and the final CRLF');
      assert.ok(lines[5]!.includes(',"said ""no"", twice",'));
      const none = await cli(['export', '--from', '2025-03-02', '--to', '2025-03-03']);
      assert.deepEqual([none.code, none.stdout], [0, '']);
    });

    it('writes to a new file with mode 0600, and refuses to overwrite one', async () => {
      const file = join(dir, 'export.csv');
      const run = await cli(['export', '--from', '2025-03-01', '--to', '2025-03-02', '--format', 'csv', '--out', file]);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, '');
      assert.equal(readFileSync(file, 'utf8').split('\r\n').length, 14);
      assert.equal(statSync(file).mode & 0o777, 0o600);
      const again = await cli(['export', '--from', '2025-03-01', '--to', '2025-03-02', '--out', file]);
      assert.equal(again.code, 2);
      assert.match(again.stderr, /expected --out to name a new file, got .*EEXIST/);
    });
  });

  describe('tail', () => {
    it('prints the last 20 events by default, oldest first, one line each', async () => {
      const run = await cli(['tail']);
      assert.equal(run.code, 0, run.stderr);
      const lines = run.stdout.trim().split('\n');
      assert.equal(lines.length, 12);
      assert.match(
        lines[0]!,
        /^#1 2025-03-01T08:00:00\.000Z signin\.started info actor="899700427885" client="demo-dpi" instance="test:1" details=\{"method":"psc-card","n":0\}$/,
      );
      assert.match(lines[11]!, /^#12 /);
    });

    it('prints the last n as JSON lines with --json', async () => {
      const run = await cli(['tail', '-n', '3', '--json']);
      assert.deepEqual(
        parseJsonl(run.stdout).map((e) => e.seq),
        [10, 11, 12],
      );
    });

    it('neutralizes terminal control characters from event fields', async () => {
      const other = await redisLog('audit-cli-tail');
      try {
        await other.log.append({ ...body(0), clientId: 'evil\u001b[2J\u009b31m' });
        const run = await runCli(['tail'], cliEnv(other.prefix), { cwd: bare });
        assert.equal(/(?!\n)\p{Cc}/u.test(run.stdout), false);
        assert.match(run.stdout, /client="evil\\u001b\[2J\?31m"/, 'JSON escapes C0, the C1 CSI becomes ?');
      } finally {
        await other.close();
      }
    });

    it('follows new events until interrupted', { timeout: 20_000 }, async () => {
      const child = spawn(process.execPath, [`${ROOT}src/audit/cli.ts`, 'tail', '-n', '1', '--follow', '--interval-ms', '50'], {
        cwd: bare,
        env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', ...env, REDIS_URL: TEST_REDIS_URL },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      const until = async (pattern: RegExp) => {
        const deadline = Date.now() + 10_000;
        while (!pattern.test(out)) {
          if (Date.now() > deadline) throw new Error(`no ${pattern} in ${out}`);
          await new Promise((r) => setTimeout(r, 25));
        }
      };
      await until(/^#12 /m);
      await fixture.log.append(body(12));
      await fixture.log.append(body(13));
      await until(/^#14 /m);
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      child.kill('SIGINT');
      assert.equal(await exited, 0);
      assert.deepEqual(
        out
          .trim()
          .split('\n')
          .map((l) => l.split(' ')[0]),
        ['#12', '#13', '#14'],
      );
    });
  });
});

describe('audit CLI: reindex', () => {
  let fixture: RedisLogFixture;
  const bare = mkdtempSync(join(tmpdir(), 'audit-cli-reindex-'));
  // No MAC key: the index holds positions, not MACs.
  const cli = (args: string[]) => runCli(args, { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: fixture.prefix }, { cwd: bare });

  beforeAll(async () => {
    fixture = await redisLog('audit-cli-reindex');
    for (let i = 0; i < 30; i++) await fixture.log.append(body(i));
  });
  afterAll(() => fixture.close());

  it('--check says the index is complete (exit 0), or what it lacks (exit 1)', async () => {
    const complete = await cli(['reindex', '--check']);
    assert.equal(complete.code, 0, complete.stderr);
    assert.equal(complete.stdout, 'search index complete: 30 of 30 events (generation 1)\n');
    for (const key of await fixture.redis.keys(`${fixture.prefix}{audit}:ix:*`)) await fixture.redis.unlink(key);
    const missing = await cli(['reindex', '--check']);
    assert.equal(missing.code, 1);
    assert.match(missing.stdout, /^search index INCOMPLETE: 0 of 30 events indexed \(generation 1, indexed from nothing/);
  });

  it('builds what is missing, then has nothing to do (idempotent)', async () => {
    const first = await cli(['reindex']);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^30 event\(s\) indexed in [\d.]+ s; search index complete: 30 of 30 events \(generation 1\)\n$/);
    const second = await cli(['reindex']);
    assert.equal(second.code, 0);
    assert.match(second.stdout, /^0 event\(s\) indexed/);
    assert.equal((await fixture.log.search({ type: 'psc.verified' })).total, 8);
  });

  it('--rebuild starts a new generation; refuses --rebuild with --check, and a held lock (exit 2)', async () => {
    const rebuilt = await cli(['reindex', '--rebuild']);
    assert.equal(rebuilt.code, 0, rebuilt.stderr);
    assert.match(rebuilt.stdout, /^rebuilt: generation 1 replaced by 2 \(asked\)\n30 event\(s\) indexed/);
    const both = await cli(['reindex', '--rebuild', '--check']);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /expected --rebuild or --check, got both/);
    await fixture.redis.set(fixture.keyNames.custom('audit', 'retention-lock'), 'gw-1', 'EX', 60);
    const locked = await cli(['reindex']);
    assert.equal(locked.code, 2);
    assert.match(locked.stderr, /a gateway instance holds .*retention-lock/);
  });
});
