/**
 * `npm run admin` against two running gateway instances and their Redis: ending a clinician's
 * sessions (tokens dead at once, silent sign-in refused, back-channel logout at the next
 * sweep), showing the linked identity, disabling and enabling a client on every instance,
 * adding a client to the clients file, refusing bad usage. Every command is audited.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as client from 'openid-client';
import { decodeJwt } from 'jose';
import { startStack, type Stack } from '../support/stack.ts';
import { TestBrowser } from '../support/browser.ts';
import { authorizationRequest, exchange, isRpRedirect, signIn } from '../support/psc-login.ts';
import { Redis } from 'ioredis';
import { TEST_REDIS_URL } from '../support/redis.ts';
import { loadClientsFile } from '../../src/oidc/clients.ts';
import { DISABLED_MARK_CACHE_MS } from '../../src/oidc/disabled-clients.ts';
import type { AuditEvent } from '../../src/audit/types.ts';

let stack: Stack;
let dir: string;
let clientsFile: string;

beforeAll(async () => {
  stack = await startStack({ name: 'admin-cli', instances: 2 });
  dir = mkdtempSync(join(tmpdir(), 'hc-admin-'));
  clientsFile = join(dir, 'clients.json');
  writeFileSync(clientsFile, `${JSON.stringify(stack.registrations, null, 2)}\n`);
});
afterAll(async () => {
  await stack.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `npm run admin -- …` as an operator would (without npm), resolving with its exit status and output. */
function admin(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: stack.prefix,
    KEYS_DIR: stack.keysDir,
    CLIENTS_FILE: clientsFile,
    NODE_ENV: 'test',
    USER: 'iam-operator',
  };
  delete env.SUDO_USER;
  delete env.NEW_DPI_SECRET;
  return new Promise((resolve) => {
    execFile(process.execPath, ['src/admin/cli.ts', ...args], { encoding: 'utf8', env }, (error, stdout, stderr) => {
      resolve({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

/** A clinician signed in to a client: the browser keeps the gateway session, the tokens are the application's. */
async function signedIn(practitioner: string, clientId = 'test-rp') {
  const browser = new TestBrowser();
  const request = await signIn(stack, browser, { clientId, choice: { practitioner } });
  const tokens = await exchange(request);
  assert.ok(tokens.refresh_token, 'a refresh token to test');
  return { browser, tokens, config: request.config };
}

/** Instances trust what they read of a client's mark for DISABLED_MARK_CACHE_MS. */
const settle = () => new Promise((resolve) => setTimeout(resolve, DISABLED_MARK_CACHE_MS + 100));

async function recentAudit(limit = 30): Promise<AuditEvent[]> {
  return stack.gateways[0]!.auditLog.range({ order: 'newest-first', limit });
}

/** The error code openid-client reports for a refused token request. */
async function refreshError(config: client.Configuration, refreshToken: string): Promise<string> {
  const error = await client.refreshTokenGrant(config, refreshToken).then(
    () => undefined,
    (err: { error?: string }) => err,
  );
  assert.ok(error, 'the refresh was refused');
  return String(error.error);
}

async function userinfoStatus(url: string, accessToken: string): Promise<number> {
  return (await fetch(`${url}/me`, { headers: { authorization: `Bearer ${accessToken}` } })).status;
}

describe('admin CLI: a clinician', () => {
  it('show prints the linked identity and is audited', async () => {
    await signedIn('810101234561');
    const out = await admin('show', '810101234561');
    assert.equal(out.status, 0, out.stderr);
    assert.match(out.stdout, /^clinician 810101234561$/m);
    assert.match(out.stdout, /PSC subject\s+f:[0-9a-f-]+:810101234561/);
    assert.match(out.stdout, /live sessions \(1\)\n {2}since .*eidas\d by psc.*applications test-rp/);
    assert.match(out.stdout, /recent activity \(\d+\)\n.*signin\.succeeded/);
    assert.ok(
      (await recentAudit()).some(
        (e) => e.type === 'admin.action' && e.details?.action === 'show' && e.details?.target === '810101234561' && e.details?.operator === 'iam-operator',
      ),
    );
    const nobody = await admin('show', '810199999990');
    assert.equal(nobody.status, 1);
    assert.match(nobody.stdout, /no account for 810199999990/);
  });

  it('revoke-keys ends the sessions: tokens dead at once, no silent sign-in, back-channel logout at the next sweep', async () => {
    const leaving = await signedIn('810102345672');
    const staying = await signedIn('810103456783');
    const sid = String(decodeJwt(leaving.tokens.id_token!).sid);
    assert.equal(await userinfoStatus(stack.instanceUrls[1]!, leaving.tokens.access_token), 200);

    const out = await admin('revoke-keys', '810102345672');
    assert.equal(out.status, 0, out.stderr);
    assert.match(out.stdout, /revoked 0 key\(s\) of 810102345672\nended 1 session\(s\) of 810102345672/);

    assert.equal(await refreshError(leaving.config, leaving.tokens.refresh_token!), 'invalid_grant');
    assert.equal(await userinfoStatus(stack.instanceUrls[1]!, leaving.tokens.access_token), 401);
    const again = await authorizationRequest(stack, { params: { prompt: 'none' } });
    const silent = await leaving.browser.follow(again.url, {}, { stopAt: isRpRedirect });
    assert.equal(silent.stoppedAt?.searchParams.get('error'), 'login_required', 'the session no longer signs anyone in');
    assert.ok((await client.refreshTokenGrant(staying.config, staying.tokens.refresh_token!)).access_token, 'another clinician is untouched');

    const before = stack.backchannel.tokens.length;
    assert.ok((await stack.gateways[1]!.sweepSessions()) >= 1);
    const logouts = (await stack.backchannel.waitFor(before + 1)).slice(before).map((t) => decodeJwt(t));
    assert.ok(
      logouts.some((t) => t.sid === sid && t.sub === '810102345672'),
      'the application is told which session ended',
    );
    const events = await recentAudit();
    assert.ok(events.some((e) => e.type === 'session.expired' && e.actor === '810102345672' && e.reason === 'revoked'));
    assert.ok(events.some((e) => e.type === 'admin.action' && e.details?.action === 'revoke-keys' && e.details?.sessions === 1));
    assert.match((await admin('show', '810102345672')).stdout, /live sessions \(0\)/);
    assert.equal((await stack.gateways[0]!.verifyAudit()).ok, true);
  });

  it('end-sessions, in the window after an upgrade, ends a session saved by the release before (hash layout) and destroys its grant', async () => {
    const { tokens, config } = await signedIn('810105678905');
    const redis = new Redis(TEST_REDIS_URL);
    try {
      // The records as the release before JSON text saved them: hashes under the key without `:json`.
      const toLegacy = async (key: string, text: string) => {
        const legacy = key.replace(/:json$/, '');
        const ttl = await redis.ttl(key);
        await redis.multi().hset(legacy, 'payload', text).expire(legacy, ttl).del(key).exec();
        return legacy;
      };
      let grantKey: string | undefined;
      for (const key of await redis.keys(`${stack.prefix}*:Session:json`)) {
        const text = (await redis.get(key))!;
        const session = JSON.parse(text) as { accountId?: string; authorizations?: Record<string, { grantId: string }> };
        if (session.accountId !== '810105678905') continue;
        const grantId = session.authorizations!['test-rp']!.grantId;
        await toLegacy(key, text);
        const grantJson = (await redis.keys(`${stack.prefix}{g:${grantId}}:Grant:json`))[0]!;
        grantKey = await toLegacy(grantJson, (await redis.get(grantJson))!);
      }
      assert.ok(grantKey, 'the session and its grant were found');
      await redis.set(`${stack.prefix}{sessions}:records-layout`, JSON.stringify({ since: Date.now(), legacyUntil: Date.now() + 3_600_000 }));

      const out = await admin('end-sessions', '810105678905');
      assert.equal(out.status, 0, out.stderr);
      assert.match(out.stdout, /ended 1 session\(s\)/);
      assert.equal(await redis.exists(grantKey), 0, 'the grant saved by the release before is destroyed, with its tokens');
      await assert.rejects(client.refreshTokenGrant(config, tokens.refresh_token!), (e: Error & { error?: string }) => e.error === 'invalid_grant');
    } finally {
      await redis.set(`${stack.prefix}{sessions}:records-layout`, JSON.stringify({ since: 0, legacyUntil: 0 }));
      redis.disconnect();
    }
  });

  it('end-sessions alone keeps the keys and says when there is nothing to end', async () => {
    await signedIn('810104567894');
    const out = await admin('end-sessions', '810104567894');
    assert.equal(out.status, 0, out.stderr);
    assert.match(out.stdout, /ended 1 session\(s\)/);
    const none = await admin('end-sessions', '810104567894');
    assert.equal(none.status, 1);
    assert.match(none.stdout, /no live session of 810104567894/);
  });
});

describe('admin CLI: clients', () => {
  it('disable-client refuses the client on every instance within a second and revokes its tokens; enable-client restores it', async () => {
    const user = await signedIn('810105678905');
    const other = await signedIn('810106789016', 'jwt-userinfo-rp');
    const out = await admin('disable-client', 'test-rp', '--reason', 'secret leaked');
    assert.equal(out.status, 0, out.stderr);
    assert.match(out.stdout, /disabled test-rp on every instance \(within a second\); revoked the tokens of [1-9]\d* sign-in\(s\)/);
    await settle();

    for (const url of stack.instanceUrls) {
      const auth = await fetch(new URL(`${url}/auth?${(await authorizationRequest(stack)).url.searchParams}`), { redirect: 'manual' });
      assert.equal(auth.status, 400, `${url}: /auth refuses the client`);
      assert.match(await auth.text(), /invalid_client/);
      assert.equal(await userinfoStatus(url, user.tokens.access_token), 401);
    }
    const token = await fetch(`${stack.instanceUrls[1]}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`test-rp:${stack.secrets['test-rp']}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: user.tokens.refresh_token! }),
    });
    assert.equal(token.status, 401);
    assert.equal(((await token.json()) as { error: string }).error, 'invalid_client');
    assert.ok((await client.refreshTokenGrant(other.config, other.tokens.refresh_token!)).access_token, 'other clients keep working');

    const listed = await admin('list-clients');
    assert.equal(listed.status, 0, listed.stderr);
    assert.match(
      listed.stdout,
      /^test-rp\tApplication de test\tsign-in\tclient_secret_basic\tmin_acr -\tDISABLED since \S+ by iam-operator \(secret leaked\)$/m,
    );
    assert.match(listed.stdout, /^jwt-userinfo-rp\t.*\tenabled$/m);
    assert.equal((await admin('disable-client', 'test-rp')).status, 1, 'already disabled');

    const enabled = await admin('enable-client', 'test-rp');
    assert.equal(enabled.status, 0, enabled.stderr);
    await settle();
    assert.equal(await refreshError(user.config, user.tokens.refresh_token!), 'invalid_grant', 'tokens revoked at the disable stay revoked');
    const back = await signedIn('810105678905');
    assert.ok(back.tokens.access_token, 'the client signs clinicians in again');
    assert.equal((await admin('enable-client', 'test-rp')).status, 1, 'not disabled');

    const actions = (await recentAudit(60))
      .filter((e) => e.type === 'admin.action')
      .map((e) => `${String(e.details?.action)}:${String(e.details?.target ?? '')}`);
    for (const action of ['disable-client:test-rp', 'list-clients:', 'enable-client:test-rp'])
      assert.ok(actions.includes(action), `${action} audited (${actions.join(', ')})`);
  });

  it('add-client appends a checked registration, prints a new secret once and keeps it out of the audit trail', async () => {
    const registration = {
      client_id: 'new-dpi',
      client_name: 'Nouveau DPI',
      redirect_uris: ['https://dpi.chu.example/callback'],
      client_secret_env: 'NEW_DPI_SECRET',
      min_acr: 'eidas2',
    };
    const registrationFile = join(dir, 'new-dpi.json');
    writeFileSync(registrationFile, JSON.stringify(registration));
    const out = await admin('add-client', registrationFile);
    assert.equal(out.status, 0, out.stderr);
    const secret = out.stdout.trim().split('\n').at(-1)!;
    assert.match(secret, /^[A-Za-z0-9_-]{43}$/);
    assert.match(out.stdout, /set NEW_DPI_SECRET in the gateways' environment/);
    const loaded = loadClientsFile(clientsFile, { NEW_DPI_SECRET: secret });
    assert.deepEqual(
      loaded.map((c) => c.client_id),
      [...stack.registrations.map((c) => c.client_id), 'new-dpi'],
    );
    assert.equal(loaded.at(-1)!.client_secret, secret, 'the gateways load it at their next start');
    const events = await recentAudit();
    assert.ok(events.some((e) => e.type === 'admin.action' && e.details?.action === 'add-client' && e.clientId === 'new-dpi'));
    assert.ok(!JSON.stringify(events).includes(secret), 'the secret is not in the audit trail');

    const contents = readFileSync(clientsFile, 'utf8');
    const refuse = async (entry: unknown, expected: RegExp) => {
      writeFileSync(registrationFile, typeof entry === 'string' ? entry : JSON.stringify(entry));
      const result = await admin('add-client', registrationFile);
      assert.equal(result.status, 2, result.stdout);
      assert.match(result.stderr, expected);
      assert.equal(readFileSync(clientsFile, 'utf8'), contents, 'the clients file is unchanged');
    };
    await refuse(registration, /already registered/);
    await refuse({ ...registration, client_id: 'no-redirect', redirect_uris: [] }, /redirect_uris .*at least one redirect URI/);
    await refuse({ ...registration, client_id: 'hc-account' }, /account portal/);
    await refuse({ ...registration, client_id: 'typo', min_acr: 'eidas4' }, /min_acr/);
    await refuse('[{"client_id": "x"}', /cannot read the registration/);
    await refuse([registration], /one client registration/);
  });
});

describe('admin CLI: bad usage', () => {
  it('answers exit code 2 and a message, and --help lists the commands', async () => {
    const help = await admin('--help');
    assert.equal(help.status, 0);
    for (const command of ['show', 'list-keys', 'revoke-keys', 'end-sessions', 'list-clients', 'add-client', 'disable-client', 'enable-client'])
      assert.match(help.stdout, new RegExp(`^ {2}${command} `, 'm'));
    const cases: Array<[string[], RegExp]> = [
      [[], /no command/],
      [['explode'], /unknown command "explode"/],
      [['show'], /show takes <idNat>, got nothing/],
      [['show', 'a}b'], /not a national identifier/],
      [['list-clients', 'extra'], /list-clients takes no argument/],
      [['show', '810101234561', '--reason', 'x'], /--reason goes with disable-client/],
      [['end-sessions', '810101234561', '--keep-sessions'], /--keep-sessions goes with revoke-keys/],
      [['disable-client', 'nobody'], /no client "nobody" in/],
      [['disable-client', 'hc-account'], /account portal/],
      [['disable-client', 'test-rp', '--reason', 'two\nlines'], /one line/],
      [['show', '--bogus'], /Unknown option '--bogus'/],
    ];
    const results = await Promise.all(cases.map(([args]) => admin(...args)));
    for (const [i, [args, expected]] of cases.entries()) {
      const result = results[i]!;
      assert.equal(result.status, 2, `${args.join(' ')}: ${result.stdout}`);
      assert.match(result.stderr, expected, args.join(' '));
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
    }
  });
});
