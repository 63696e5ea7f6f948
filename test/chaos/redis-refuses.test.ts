/**
 * Chaos: a Redis that is up but refuses — its disk cannot take the snapshot (MISCONF), it is
 * full under `noeviction` (OOM), it turned replica (READONLY), a script holds it (BUSY). Each
 * time relying parties get 503 `temporarily_unavailable` with Retry-After, people the French
 * "momentanément indisponible" page, the log one warning naming Redis' reply and no stack
 * trace; reads that still work keep working (userinfo); and once the fault is gone the same
 * tokens work again (a refused request stored nothing). A clinician coming back from PSC
 * during the fault keeps the binding of the round trip and finishes by reloading the page.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startStack, type Stack } from '../support/stack.ts';
import { createRedisServer, type RedisServer } from '../support/redis-server.ts';
import { TestBrowser } from '../support/browser.ts';
import { authorizationRequest, exchange, isRpRedirect, loginAtPsc, signIn } from '../support/psc-login.ts';
import { loginPage } from '../support/key-journey.ts';
import { freePort } from '../support/ports.ts';
import { refreshAsTestRp } from '../support/token-requests.ts';
import { waitFor } from './wait-for.ts';

const STACK_TRACE = /\bat [\w.<>]+ \(|node_modules\/|"stack":/;
const PSC_CALLBACK = (url: URL) => url.pathname === '/federation/psc/callback';

let redis: RedisServer;
let admin: Redis;
let stack: Stack;
const logs: string[] = [];
beforeAll(async () => {
  redis = await createRedisServer({ faults: true });
  admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  stack = await startStack({ name: 'chaos-redis-refuses', redisUrl: redis.url, logs });
});
afterAll(async () => {
  await stack?.close();
  admin?.disconnect();
  await redis?.dispose();
});

interface Fault {
  name: string;
  /** The start of Redis' reply while the fault lasts. */
  reply: RegExp;
  start(): Promise<void>;
  end(): Promise<void>;
  /** Reads are still served (userinfo answers 200). */
  readsWork: boolean;
  /** What /readyz (a PING) may answer: Redis refuses PING too under MISCONF, not under OOM. */
  ready: number[];
  /**
   * The PSC state survives the fault, so the clinician back from PSC finishes by reloading.
   * Not under OOM: Redis still lets GETDEL take the state (deletes free memory), the code is
   * spent at PSC, and only the write after it is refused — that sign-in starts again.
   */
  stateKept: boolean;
}

/** The snapshot cannot be written: its folder is gone (root ignores permissions). */
function diskFault(): Fault {
  const gone = join(tmpdir(), `hc-redis-gone-${process.pid}-${Date.now()}`);
  let dir = '';
  return {
    name: 'MISCONF (the snapshot cannot be written)',
    reply: /^MISCONF/,
    readsWork: true,
    ready: [503],
    stateKept: true,
    async start() {
      dir = ((await admin.config('GET', 'dir')) as string[])[1]!;
      mkdirSync(gone);
      await admin.config('SET', 'dir', gone, 'save', '3600 1', 'stop-writes-on-bgsave-error', 'yes');
      rmSync(gone, { recursive: true });
      await admin.bgsave();
      await waitFor('the snapshot failed', async () => /rdb_last_bgsave_status:err/.test(await admin.info('persistence')));
    },
    async end() {
      await admin.config('SET', 'dir', dir);
      await admin.bgsave();
      await waitFor('a snapshot succeeded', async () => /rdb_last_bgsave_status:ok/.test(await admin.info('persistence')));
      await admin.config('SET', 'save', '');
    },
  };
}

const memoryFault: Fault = {
  name: 'OOM (maxmemory reached under noeviction)',
  reply: /^OOM/,
  readsWork: true,
  ready: [200],
  stateKept: false,
  async start() {
    await admin.config('SET', 'maxmemory-policy', 'noeviction', 'maxmemory', '1');
  },
  async end() {
    await admin.config('SET', 'maxmemory', '0');
  },
};

function replicaFault(): Fault {
  return {
    // The first READONLY makes ioredis reconnect (to find the master after a failover): the
    // requests meanwhile are refused with that reconnection's error.
    name: 'READONLY (turned replica of a master that is not there)',
    reply: /^READONLY|Stream isn't writeable/,
    readsWork: false,
    ready: [200, 503],
    stateKept: true,
    // A master nobody listens on: no sync, so the data stays and reads are still served.
    async start() {
      await admin.replicaof('127.0.0.1', await freePort());
    },
    async end() {
      await admin.replicaof('NO', 'ONE');
    },
  };
}

function busyFault(): Fault {
  let holder: Redis | undefined;
  return {
    name: 'BUSY (a script holds the server)',
    reply: /^BUSY/,
    readsWork: false,
    ready: [503],
    stateKept: true,
    async start() {
      await admin.config('SET', 'busy-reply-threshold', '100');
      holder = new Redis(redis.url, { maxRetriesPerRequest: 0 });
      holder.on('error', () => {});
      holder.eval('while true do end', 0).catch(() => {
        /* killed by end() */
      });
      await waitFor('Redis answers BUSY', () =>
        admin.ping().then(
          () => false,
          (err: Error) => /^BUSY/.test(err.message),
        ),
      );
    },
    async end() {
      await admin.script('KILL');
      // The script stops at its next check, a moment after SCRIPT KILL answered.
      await waitFor('Redis answers again', () =>
        admin.ping().then(
          () => true,
          () => false,
        ),
      );
      holder?.disconnect();
      await admin.config('SET', 'busy-reply-threshold', '5000');
    },
  };
}

const refresh = (refreshToken: string) => refreshAsTestRp(stack, refreshToken);

async function userinfo(accessToken: string) {
  return (await fetch(`${stack.issuer}/me`, { headers: { authorization: `Bearer ${accessToken}` }, signal: AbortSignal.timeout(10_000) })).status;
}

/** Log lines written since `from`, parsed. */
function linesSince(from: number): { level: number; msg: string; [k: string]: unknown }[] {
  return logs.slice(from).map((line) => JSON.parse(line));
}

describe('chaos: Redis up but refusing', () => {
  for (const makeFault of [diskFault, () => memoryFault, replicaFault, busyFault]) {
    const fault = makeFault();
    it(`${fault.name}: the outage answer, reads kept, nothing lost`, { timeout: 40_000 }, async () => {
      const signedIn = await signIn(stack, new TestBrowser());
      const tokens = await exchange(signedIn);
      // A clinician on PSC's form when the fault starts, and one on the gateway's page.
      const returning = new TestBrowser();
      const { page: returningPage } = await loginPage(stack, returning);
      const atCallback = (await loginAtPsc(returning, returningPage, { practitioner: '810101234561', means: 'card' }, { stopAt: PSC_CALLBACK })).stoppedAt;
      assert.ok(atCallback, 'stopped at the PSC callback');
      const halfway = new TestBrowser();
      const { page: signInPage } = await loginPage(stack, halfway);
      const logFrom = logs.length;

      await fault.start();
      try {
        const refused = await refresh(tokens.refresh_token!);
        assert.equal(refused.status, 503, `token endpoint: ${JSON.stringify(refused.body)}`);
        assert.equal(refused.body.error, 'temporarily_unavailable');
        assert.ok(Number(refused.retryAfter) > 0, 'Retry-After');

        const ready = (await fetch(`${stack.issuer}/readyz`)).status;
        assert.ok(fault.ready.includes(ready), `/readyz: ${ready}`);

        const info = await userinfo(tokens.access_token);
        if (fault.readsWork) assert.equal(info, 200, 'userinfo only reads: it keeps working');
        else assert.ok([200, 503].includes(info), `userinfo: ${info}`);

        // A new sign-in goes back to the relying party with temporarily_unavailable.
        const rp = await new TestBrowser().follow((await authorizationRequest(stack)).url, {}, { stopAt: isRpRedirect });
        if (rp.stoppedAt) assert.equal(rp.stoppedAt.searchParams.get('error'), 'temporarily_unavailable');
        else assert.equal(rp.page?.status, 503, `authorization: ${rp.page?.status} ${rp.page?.body.slice(0, 200)}`);

        // The PSC button needs to write the round trip: the French outage page.
        const pscStart = await halfway.submit(signInPage, 'form[action$="/psc"]', {}, { stopAt: () => true });
        const page = pscStart.page!;
        assert.equal(page.status, 503, `PSC button: ${page.status} ${page.body.slice(0, 300)}`);
        assert.match(page.text, /momentanément indisponible/);
        assert.ok(Number(page.headers.get('retry-after')) > 0);
        assert.doesNotMatch(page.body, STACK_TRACE);

        const back = await returning.request(atCallback);
        assert.equal(back.status, 503, `PSC callback during the fault: ${back.status} ${back.body.slice(0, 300)}`);
        assert.match(back.text, /momentanément indisponible/);
      } finally {
        await fault.end();
      }

      await waitFor('/readyz 200 again', async () => (await fetch(`${stack.issuer}/readyz`)).status === 200);
      // Nothing was half-done: the refused refresh token still works, once.
      const again = await refresh(tokens.refresh_token!);
      assert.equal(again.status, 200, `refresh after the fault: ${JSON.stringify(again.body)}`);
      assert.equal(await userinfo(again.body.access_token!), 200);
      // The clinician back from PSC reloads the page and is signed in.
      const reloaded = await returning.follow(atCallback, {}, { stopAt: isRpRedirect });
      const said = `reload of the PSC callback after the fault: ${reloaded.page?.status} ${reloaded.page?.url} ${reloaded.page?.text.slice(0, 200)}`;
      if (fault.stateKept) assert.ok(reloaded.stoppedAt?.searchParams.get('code') || reloaded.page?.doc.querySelector('form[action$="/enrol/skip"]'), said);
      else assert.equal(reloaded.page?.status, 400, said);

      const lines = linesSince(logFrom);
      assert.deepEqual(
        lines.filter((l) => STACK_TRACE.test(JSON.stringify(l))).map((l) => l.msg),
        [],
        'no stack trace in the log',
      );
      assert.deepEqual(
        lines.filter((l) => l.level >= 50).map((l) => `${l.msg} ${JSON.stringify(l).slice(0, 300)}`),
        [],
        'no error-level line: an outage is a warning',
      );
      assert.ok(
        lines.some((l) => l.level === 40 && fault.reply.test(String(l.detail ?? ''))),
        `a warning names Redis' reply: ${lines
          .filter((l) => l.level === 40)
          .map((l) => `${l.msg}: ${l.detail}`)
          .join(' | ')}`,
      );
    });
  }
});
