/**
 * The recorder and the privacy scanner: JWTs, codes, tokens, secrets and PSC profiles are
 * dropped and listed in details.redacted; unknown types are refused; a failing log never
 * makes record() throw and the event is still mirrored, marked "unrecorded"; one JSON line
 * per event with "audit": true.
 */
import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import {
  assertNoSecrets,
  createAuditMirrorLogger,
  createAuditRecorder,
  createMemoryAuditLog,
  findSecrets,
  verifyChain,
  type AuditLog,
} from '../../src/audit/index.ts';
import type { AuditEvent, AuditInput, StoredAuditInput } from '../../src/audit/types.ts';
import { KEY } from './helpers.ts';

const JWT = [
  Buffer.from(JSON.stringify({ alg: 'ES256', kid: 'k1' })).toString('base64url'),
  Buffer.from(JSON.stringify({ sub: '899700427885', aud: 'demo-dpi' })).toString('base64url'),
  'c2lnbmF0dXJlLWJ5dGVzLWhlcmUtbm90LXJlYWxseS1hLXNpZw',
].join('.');
const TOKEN = 'Zx8aQ3vN9kL2mP7rT4wY6bC1dF5gH0jKsUeIoAqRt';
const PSC_PROFILE = { SubjectNameID: '899700427885', SubjectRefPro: { codeCivilite: 'DR', exercices: [{ codeProfession: '10' }] } };
const CONFIG_LOADED: AuditInput = {
  type: 'config.loaded',
  outcome: 'info',
  details: { env: 'test', issuer: 'https://gw.example', store: 'memory', clients: ['demo-dpi'] },
};
const KEYS_LOADED: AuditInput = { type: 'keys.loaded', outcome: 'info', details: { signingKeys: ['ES256:k1'], created: 0 } };

/** An event its type's details do not allow (a secret, a stray member): the recorder still checks at run time what comes. */
const untyped = (input: StoredAuditInput) => input as AuditInput;

/** A mirror that keeps its lines. */
function memoryMirror(): { logger: pino.Logger; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const logger = pino({ base: null, timestamp: false, formatters: { level: (label) => ({ level: label }) } }, stream);
  return {
    logger,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

function setup(log: AuditLog = createMemoryAuditLog(KEY)) {
  const mirror = memoryMirror();
  const errors: Error[] = [];
  const recorder = createAuditRecorder({
    log,
    mirror: mirror.logger,
    instance: 'gw-test',
    clock: () => Date.parse('2025-06-01T10:00:00.000Z'),
    onError: (err) => errors.push(err),
  });
  return { log, recorder, mirror, errors };
}

async function stored(log: AuditLog): Promise<AuditEvent[]> {
  return log.range();
}

describe('findSecrets', () => {
  it('finds JWTs anywhere, even inside text', () => {
    assert.deepEqual(
      findSecrets({ details: { note: `Bearer-less ${JWT} inside` } }).map((f) => [f.path, f.kind]),
      [['details.note', 'jwt']],
    );
    assert.deepEqual(
      findSecrets([JWT]).map((f) => f.path),
      ['[0]'],
    );
    assert.deepEqual(
      findSecrets(JWT).map((f) => f.path),
      ['(value)'],
    );
  });

  it('finds long random values in fields named like credentials, not hashed ids or plain words', () => {
    const findings = findSecrets({
      code: TOKEN,
      access_token: TOKEN,
      refreshToken: TOKEN,
      code_verifier: TOKEN,
      clientAssertion: TOKEN,
      signature: TOKEN,
      state: TOKEN,
      authCode: '3f2c1a9e-6b7d-4c1e-9a8b-7d6e5f4c3b2a',
      accessToken: 'a1b2c3d4e5f60718',
      tokenHash: TOKEN,
      reason: TOKEN,
      errorCode: 'invalid_grant',
      codeChallengeMethod: 'S256',
      attestationFormat: 'packed',
    });
    assert.deepEqual(findings.map((f) => f.path).sort(), [
      'access_token',
      'authCode',
      'clientAssertion',
      'code',
      'code_verifier',
      'refreshToken',
      'signature',
      'state',
    ]);
    assert.ok(findings.every((f) => f.kind === 'token-field'));
  });

  it('finds any value of a secret or password field, and structures under credential names', () => {
    assert.deepEqual(
      findSecrets({ client_secret: 'abc', password: 'x', cookie: 'sid=1', assertion: { response: {} } })
        .map((f) => `${f.path}:${f.kind}`)
        .sort(),
      ['assertion:token-field', 'client_secret:secret-field', 'cookie:secret-field', 'password:secret-field'],
    );
  });

  it('finds credentials in URLs and Bearer headers', () => {
    assert.deepEqual(
      findSecrets({ url: 'https://rp.example/cb?state=abc&code=SplxlOBeZQQYbYS6WxSbIA' }).map((f) => f.kind),
      ['url-credential'],
    );
    assert.deepEqual(
      findSecrets({ header: `Bearer ${TOKEN}` }).map((f) => f.kind),
      ['bearer'],
    );
    assert.deepEqual(findSecrets({ url: 'https://rp.example/cb?lang=fr' }), []);
  });

  it('finds PSC profiles, as objects or serialized', () => {
    assert.deepEqual(
      findSecrets({ details: { profile: PSC_PROFILE } }).map((f) => [f.path, f.kind]),
      [['details.profile', 'psc-profile']],
    );
    assert.deepEqual(
      findSecrets({ raw: JSON.stringify(PSC_PROFILE) }).map((f) => f.kind),
      ['psc-profile'],
    );
    assert.deepEqual(findSecrets({ reason: 'missing SubjectRefPro claim' }), [], 'naming the claim is fine');
  });

  it('passes ordinary events: idNat, client, amr, hashed ids, MACs', () => {
    assert.deepEqual(
      findSecrets({
        type: 'signin.succeeded',
        actor: '899700427885',
        profession: '10',
        clientId: 'demo-dpi',
        time: '2025-06-01T10:00:00.000Z',
        details: {
          method: 'psc-card',
          acr: 'eidas3',
          amr: ['sc', 'pin'],
          accessToken: 'a1b2c3d4e5f60718',
          keyName: 'YubiKey 5 NFC',
          aaguid: 'cb69481e-8ff7-4039-93ec-0a2729a154a8',
        },
        prev: 'q3Y0f1Qe8ZpD0T7JxR2m9Wb6cN4vH5kL1aS8dF3gH2j',
        mac: 'Zx8aQ3vN9kL2mP7rT4wY6bC1dF5gH0jKsUeIoAqRt12',
      }),
      [],
    );
  });

  it('assertNoSecrets names places and kinds, never values', () => {
    assert.throws(
      () => assertNoSecrets({ details: { code: TOKEN } }, 'event 7'),
      (err: Error) => /^event 7: expected no tokens, .* found token-field at details\.code$/.test(err.message) && !err.message.includes(TOKEN),
    );
    assert.doesNotThrow(() => assertNoSecrets({ actor: '899700427885' }));
  });
});

describe('createAuditRecorder', () => {
  it('records the event with the envelope and mirrors it as one JSON line with seq and mac', async () => {
    const { log, recorder, mirror, errors } = setup();
    const input: AuditInput = {
      type: 'signin.succeeded',
      outcome: 'success',
      actor: '899700427885',
      profession: '10',
      clientId: 'demo-dpi',
      details: { method: 'psc-card', acr: 'eidas3', amr: ['sc', 'pin'], phishingResistant: true, durationMs: 20_000 },
    };
    await recorder.record(input, { requestId: 'r1', ip: '192.168.1.0', userAgent: 'Firefox 120 / Linux' });
    await recorder.record(CONFIG_LOADED);
    assert.deepEqual(errors, []);
    const [event, second] = await stored(log);
    assert.deepEqual(
      { ...event, mac: undefined },
      {
        ...input,
        seq: 1,
        prev: '',
        time: '2025-06-01T10:00:00.000Z',
        instance: 'gw-test',
        requestId: 'r1',
        ip: '192.168.1.0',
        userAgent: 'Firefox 120 / Linux',
        mac: undefined,
      },
    );
    assert.equal(second!.seq, 2);
    const lines = mirror.lines();
    assert.equal(lines.length, 2);
    assert.deepEqual(lines[0], { level: 'info', audit: true, ...event, chain: 'recorded', msg: 'audit event' });
    assert.equal(lines[1]!.seq, 2);
    assert.equal(verifyChain(await stored(log), KEY).ok, true);
  });

  it('drops a JWT in details, a code field, a token and a PSC profile, lists them in details.redacted, and still records', async () => {
    const { log, recorder, mirror, errors } = setup();
    await recorder.record(
      untyped({
        type: 'psc.failed',
        outcome: 'failure',
        reason: 'bad-id-token',
        details: { idToken: JWT, code: TOKEN, profile: PSC_PROFILE as never, upstreamAcr: 'eidas3', note: `saw ${JWT}` },
      }),
      { requestId: 'r2' },
    );
    assert.deepEqual(errors, []);
    const [event] = await stored(log);
    assert.deepEqual(event!.details, { upstreamAcr: 'eidas3', redacted: ['details.code', 'details.idToken', 'details.note', 'details.profile'] });
    assert.equal(event!.reason, 'bad-id-token');
    const line = JSON.stringify(mirror.lines());
    for (const secret of [JWT, TOKEN, 'SubjectRefPro']) assert.equal(line.includes(secret), false);
    assert.deepEqual(findSecrets(event), []);
  });

  it('drops a secret in a top-level field or the source too', async () => {
    const { log, recorder } = setup();
    await recorder.record({ type: 'signin.failed', outcome: 'failure', reason: `callback?code=${TOKEN}` }, { userAgent: `Bearer ${TOKEN}` });
    const [event] = await stored(log);
    assert.equal(event!.reason, undefined);
    assert.equal(event!.userAgent, undefined);
    assert.deepEqual(event!.details, { redacted: ['reason', 'userAgent'] });
  });

  it('keeps only the known fields, and strings where strings belong', async () => {
    const { log, recorder, errors } = setup();
    await recorder.record({ type: 'key.renamed', outcome: 'success', actor: 42 as never, seq: 999, mac: 'x', extra: 'y' } as never);
    const [event] = await stored(log);
    assert.equal(event!.seq, 1);
    assert.equal('extra' in event!, false);
    assert.equal(event!.actor, undefined);
    assert.match(errors[0]!.message, /key\.renamed\): actor: expected a string, got number/);
  });

  it('refuses an unknown type or outcome without throwing; the SIEM still sees it, marked unrecorded', async () => {
    const { log, recorder, mirror, errors } = setup();
    await recorder.record({ type: 'signin.maybe' as never, outcome: 'success', actor: '899700427885' });
    await recorder.record(untyped({ type: 'signin.started', outcome: 'perhaps' as never }));
    await recorder.record(null as never);
    assert.deepEqual(await stored(log), []);
    assert.match(errors[0]!.message, /expected a type from AUDIT_EVENT_TYPES, got "signin\.maybe"/);
    assert.match(errors[1]!.message, /expected outcome success, failure or info, got "perhaps"/);
    assert.match(errors[2]!.message, /expected an event object, got null/);
    const lines = mirror.lines();
    assert.equal(lines.length, 3);
    assert.deepEqual([lines[0]!.type, lines[0]!.chain, lines[0]!.actor], ['signin.maybe', 'unrecorded', '899700427885']);
  });

  it('never throws when the log fails: reports the error and mirrors the event as unrecorded', async () => {
    const broken: AuditLog = { ...createMemoryAuditLog(KEY), append: () => Promise.reject(new Error('redis down')) };
    const { recorder, mirror, errors } = setup(broken);
    await assert.doesNotReject(recorder.record(untyped({ type: 'token.issued', outcome: 'success', clientId: 'demo-dpi', details: { code: TOKEN } })));
    assert.deepEqual(
      errors.map((e) => e.message),
      ['redis down'],
    );
    const [line] = mirror.lines();
    assert.equal(line!.chain, 'unrecorded');
    assert.equal(line!.chainError, 'redis down');
    assert.equal(line!.seq, undefined);
    assert.equal(line!.clientId, 'demo-dpi');
    assert.equal(JSON.stringify(line).includes(TOKEN), false, 'redacted before mirroring');
  });

  it('never throws when the mirror or the error hook fail', async () => {
    const log = createMemoryAuditLog(KEY);
    const throwing = {
      info() {
        throw new Error('disk full');
      },
    } as unknown as pino.Logger;
    const recorder = createAuditRecorder({
      log,
      mirror: throwing,
      instance: 'gw',
      onError: () => {
        throw new Error('hook broken');
      },
    });
    await assert.doesNotReject(recorder.record(CONFIG_LOADED));
    assert.equal((await stored(log)).length, 1, 'the chain has it even though the mirror failed');
  });

  it('chains concurrent records in call order per process', async () => {
    const { log, recorder } = setup();
    await Promise.all(Array.from({ length: 50 }, (_, i) => recorder.record(untyped({ type: 'token.introspected', outcome: 'success', details: { i } }))));
    const events = await stored(log);
    assert.deepEqual(
      events.map((e) => e.details?.i),
      Array.from({ length: 50 }, (_, i) => i),
    );
    assert.equal(verifyChain(events, KEY).ok, true);
  });
});

describe('createAuditMirrorLogger', () => {
  it("writes one JSON line per event to a file created with mode 0600, without pino's own time", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'audit-mirror-'));
    const file = join(dir, 'sub', 'audit.jsonl');
    const mirror = createAuditMirrorLogger(file);
    const log = createMemoryAuditLog(KEY);
    const recorder = createAuditRecorder({ log, mirror, instance: 'gw' });
    await recorder.record(CONFIG_LOADED);
    await recorder.record(KEYS_LOADED);
    mirror.flush();
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      lines.map((l) => [l.audit, l.seq, l.type, l.level, typeof l.time]),
      [
        [true, 1, 'config.loaded', 'info', 'string'],
        [true, 2, 'keys.loaded', 'info', 'string'],
      ],
    );
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(Object.keys(lines[0]!).filter((k) => k === 'time').length, 1);
    assert.equal('pid' in lines[0]!, false);
  });

  it('has every line of records that resolve together in the file when they resolve, without a flush', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'audit-mirror-'));
    const file = join(dir, 'audit.jsonl');
    const recorder = createAuditRecorder({ log: createMemoryAuditLog(KEY), mirror: createAuditMirrorLogger(file), instance: 'gw' });
    const inFileWhenResolved: number[] = [];
    const linesInFile = () => readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
    await Promise.all([CONFIG_LOADED, KEYS_LOADED, CONFIG_LOADED].map((event) => recorder.record(event).then(() => inFileWhenResolved.push(linesInFile()))));
    assert.deepEqual(
      readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { seq: number }).seq),
      [1, 2, 3],
    );
    // The n-th record to resolve finds at least n lines: its own line is out before it resolves.
    assert.equal(inFileWhenResolved.length, 3);
    inFileWhenResolved.forEach((count, n) => assert.ok(count >= n + 1, `record ${n + 1} resolved with ${count} lines in the file`));
  });
});
