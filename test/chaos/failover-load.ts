/**
 * A failover under load, for the Sentinel and Cluster chaos tests: three signed-in clinicians'
 * relying parties refresh their tokens (rotated at each refresh) and call userinfo in a loop,
 * trying a refused refresh again with the same token, while the test switches masters; a
 * fourth clinician enrolled a security key before. Every answer is recorded with when it was
 * asked; the checks say what the gateway promises during and after a switch.
 */
import assert from 'node:assert/strict';
import type { Stack } from '../support/stack.ts';
import { TestBrowser } from '../support/browser.ts';
import { exchange, signIn } from '../support/psc-login.ts';
import { isReady, sleep, waitFor } from './wait-for.ts';
import { CONSUMPTION_SETTLES_MS } from '../../src/store/token-consumption.ts';
import { checkKeyAfterSwitch, enrolKeyBeforeSwitch } from './failover-key.ts';
import { diagnostic } from '../support/diagnostic.ts';

interface Answer {
  worker: number;
  what: 'refresh' | 'userinfo';
  status: number;
  error: string | null;
  at: number;
  ms: number;
}

interface Worker {
  index: number;
  browser: TestBrowser;
  refreshToken: string;
  /** Access tokens the gateway handed out (acknowledged), with when. */
  acknowledged: { token: string; at: number }[];
}

const LOAD_BEFORE_MS = 1_500;

export interface FailoverOptions {
  /** A clinician with no key yet: enrols one before the switch, signs in with it alone after. */
  keyHolder: string;
  /** The gateway's log lines (the stack's `logs` option). */
  logs?: string[];
}

/**
 * The failover scenario; when it fails, the gateway's error lines (`logs`) are printed as
 * diagnostics: a 500 names its error there.
 */
export async function failoverUnderLoad(stack: Stack, switchMasters: () => Promise<void>, { keyHolder, logs = [] }: FailoverOptions): Promise<void> {
  try {
    await failoverScenario(stack, switchMasters, keyHolder);
  } catch (err) {
    for (const line of logs.filter((l) => /"level":(50|60)/.test(l)).slice(0, 10)) diagnostic(line.slice(0, 600));
    throw err;
  }
}

async function failoverScenario(stack: Stack, switchMasters: () => Promise<void>, keyHolder: string): Promise<void> {
  const key = await enrolKeyBeforeSwitch(stack, keyHolder);
  const workers: Worker[] = [];
  for (let index = 0; index < 3; index += 1) {
    const browser = new TestBrowser();
    const tokens = await exchange(
      await signIn(stack, browser, { choice: { practitioner: ['810101234561', '810102345672', '810103456783'][index]!, means: 'card' } }),
    );
    workers.push({ index, browser, refreshToken: tokens.refresh_token!, acknowledged: [{ token: tokens.access_token, at: Date.now() }] });
  }
  const answers: Answer[] = [];
  const clock = { switchAt: Infinity, switchedAt: Infinity, readyAt: Infinity };
  let stop = false;
  const basic = `Basic ${Buffer.from(`test-rp:${stack.secrets['test-rp']}`).toString('base64')}`;

  async function ask(worker: Worker, what: Answer['what'], request: () => Promise<Response>) {
    const at = Date.now();
    const response = await request();
    const body = await response.text();
    let json: { error?: string; access_token?: string; refresh_token?: string } = {};
    try {
      json = JSON.parse(body);
    } catch {
      /* userinfo may be a JWT or empty */
    }
    answers.push({ worker: worker.index, what, status: response.status, error: json.error ?? null, at, ms: Date.now() - at });
    return { status: response.status, json };
  }

  /** Refreshes with the last refresh token it was given until told to stop; a 503 is retried. */
  async function run(worker: Worker) {
    while (!stop) {
      const refreshed = await ask(worker, 'refresh', () =>
        fetch(`${stack.issuer}/token`, {
          method: 'POST',
          signal: AbortSignal.timeout(10_000),
          headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: worker.refreshToken }),
        }),
      );
      const answer = answers.at(-1)!;
      if (refreshed.status === 200) {
        worker.refreshToken = refreshed.json.refresh_token!;
        worker.acknowledged.push({ token: refreshed.json.access_token!, at: answer.at + answer.ms });
        await ask(worker, 'userinfo', () =>
          fetch(`${stack.issuer}/me`, { headers: { authorization: `Bearer ${refreshed.json.access_token}` }, signal: AbortSignal.timeout(10_000) }),
        );
      } else {
        await sleep(100);
      }
    }
  }

  /** A clinician's first refresh answered 200 once /readyz said ready again. */
  const refreshSinceReady = (w: Worker) => answers.find((a) => a.worker === w.index && a.what === 'refresh' && a.status === 200 && a.at >= clock.readyAt);

  const running = workers.map(run);
  try {
    await sleep(LOAD_BEFORE_MS);
    clock.switchAt = Date.now();
    await switchMasters();
    clock.switchedAt = Date.now();
    await waitFor('/readyz 200 after the switch', () => isReady(stack.issuer), 30_000);
    clock.readyAt = Date.now();
    // A rotation the switch cut is "try again" for CONSUMPTION_SETTLES_MS, then works again. Ready
    // is one node's PING: right after it the gateway may still reach a shard late (a loaded
    // machine), and a retried rotation cut once more starts its own CONSUMPTION_SETTLES_MS.
    await waitFor('every clinician refreshes again', () => workers.every((w) => refreshSinceReady(w) !== undefined), 2 * CONSUMPTION_SETTLES_MS + 5_000).catch(
      async (err) => {
        const since = (a: Answer) => `${a.what} ${a.status}${a.error ? ` ${a.error}` : ''} at +${a.at - clock.switchAt} ms (${a.ms} ms)`;
        for (const worker of workers) {
          const around = answers.filter((a) => a.worker === worker.index && a.at >= clock.switchAt - 1_000);
          // The answers around its first refusal (what cut it), then its last ones.
          const first = Math.max(
            0,
            around.findIndex((a) => a.status !== 200),
          );
          const shown =
            around.length > 24 ? [...around.slice(Math.max(0, first - 6), first + 8).map(since), '…', ...around.slice(-8).map(since)] : around.map(since);
          diagnostic(`clinician ${worker.index}: ${shown.join('; ')}`);
        }
        // A token refused for good after the switch: was it taken for a replay (its grant revoked)?
        const replays = (await stack.gateways[0]!.auditLog.range({})).filter((e) => e.type === 'token.replayed');
        diagnostic(`token.replayed events: ${replays.length ? replays.map((e) => `${e.actor ?? '?'} ${e.reason ?? ''}`).join('; ') : 'none'}`);
        throw err;
      },
    );
    await sleep(500);
  } finally {
    // Workers stop before the stack closes, also when a check above failed.
    stop = true;
    await Promise.allSettled(running);
  }
  await Promise.all(running);

  const during = answers.filter((a) => a.at >= clock.switchAt && a.at < clock.readyAt);
  const againAfter = workers.map((w) => refreshSinceReady(w)!.at - clock.readyAt);
  diagnostic(
    `answers: ${answers.length}; during the switch ${during.length} (503: ${during.filter((a) => a.status === 503).length}), slowest ${Math.max(0, ...during.map((a) => a.ms))} ms; masters switched in ${clock.switchedAt - clock.switchAt} ms, ready ${clock.readyAt - clock.switchedAt} ms later; each clinician refreshed again ${againAfter.join(', ')} ms after ready`,
  );

  // A refresh whose rotation was cut by the switch is answered 503 and works when tried
  // again: never invalid_grant (which would revoke the relying party's whole grant).
  const wrong = answers.filter((a) => a.status !== 200 && !(a.status === 503 && a.error === 'temporarily_unavailable'));
  assert.deepEqual(
    wrong.map((a) => `clinician ${a.worker} ${a.what} ${a.status} ${a.error} sent ${a.at - clock.switchAt} ms after the switch began`),
    [],
    'every answer is a success or the outage answer',
  );

  for (const worker of workers) {
    // Everything acknowledged is still there: each access token handed out works.
    for (const { token, at } of worker.acknowledged) {
      const status = (await fetch(`${stack.issuer}/me`, { headers: { authorization: `Bearer ${token}` } })).status;
      assert.equal(status, 200, `clinician ${worker.index}: the access token acknowledged ${at - clock.switchAt} ms after the switch began`);
    }
    const last = await fetch(`${stack.issuer}/token`, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: worker.refreshToken }),
    });
    assert.equal(last.status, 200, `clinician ${worker.index}: the last refresh token acknowledged works`);
  }
  // Sessions survived: each clinician's browser signs in again without PSC (single sign-on).
  for (const worker of workers) {
    const again = await signIn(stack, worker.browser);
    assert.equal(again.sawLoginPage, false, `clinician ${worker.index}: the session is still there`);
    assert.ok((await exchange(again)).access_token);
  }
  // The key enrolled before the switch is still the clinician's, and signs in.
  await checkKeyAfterSwitch(stack, key);
  const audit = await stack.gateways[0]!.verifyAudit();
  assert.equal(audit.ok, true, `the audit chain is whole: ${JSON.stringify(audit).slice(0, 300)}`);
}
