/**
 * Chaos: Redis is SIGKILLed under a stream of sign-ins, then started again empty (no
 * persistence). Three clinicians sign in over and over (authorization request → PSC → code
 * exchange → userinfo, a fresh browser each time). While Redis is down every answer is a
 * success (what needs no Redis) or a 503 / temporarily_unavailable, quickly — never another
 * 5xx, never a hang. Once /readyz says so, the same gateway serves every new sign-in again.
 * Sign-ins caught half-way may end after the restart on a 4xx (their interaction died with
 * Redis): those are counted and allowed, nothing else is.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startStack, RP_REDIRECT, type Stack } from '../support/stack.ts';
import { createRedisServer, type RedisServer } from '../support/redis-server.ts';
import { isRpRedirect, loginAtPsc } from '../support/psc-login.ts';
import { RecordingBrowser, recordRelyingParty, type Answer } from './answers.ts';
import { isReady, sleep, waitFor } from './wait-for.ts';
import { diagnostic } from '../support/diagnostic.ts';

const PRACTITIONERS = ['810101234561', '810102345672', '810103456783'];
const ROUNDS_BEFORE_KILL = 2;
const OUTAGE_MS = 2_500;
const ROUNDS_AFTER_READY = 5;
/** A clinician who met the 503 page tries again a moment later. */
const RETRY_PAUSE_MS = 50;

type Outcome = 'success' | 'unavailable' | 'lost' | 'other';

interface Round {
  worker: number;
  startedAt: number;
  answers: Answer[];
  outcome?: Outcome;
  problem?: string;
}

let redis: RedisServer;
let stack: Stack;
beforeAll(async () => {
  redis = await createRedisServer();
  stack = await startStack({ name: 'chaos-redis-killed', redisUrl: redis.url });
});
afterAll(async () => {
  await stack?.close();
  await redis?.dispose();
});

/** Times of the outage, filled in by the test as it goes. */
const clock = { killedAt: Infinity, restartedAt: Infinity, readyAt: Infinity };

/** The authorization request of one sign-in, with what the relying party checks at the exchange. */
async function authorizationUrl(config: client.Configuration) {
  const checks = { pkceCodeVerifier: client.randomPKCECodeVerifier(), expectedState: client.randomState(), expectedNonce: client.randomNonce() };
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: RP_REDIRECT,
    scope: 'openid profile scope_all',
    state: checks.expectedState,
    nonce: checks.expectedNonce,
    code_challenge: await client.calculatePKCECodeChallenge(checks.pkceCodeVerifier),
    code_challenge_method: 'S256',
  });
  return { url, checks };
}

/** One sign-in from the authorization request to userinfo; every answer lands in `round.answers`. */
async function signInOnce(config: client.Configuration, practitioner: string, round: Round): Promise<void> {
  const browser = new RecordingBrowser((answer) => round.answers.push(answer));
  const { url, checks } = await authorizationUrl(config);
  const first = await browser.follow(url, {}, { stopAt: isRpRedirect });
  let callback = first.stoppedAt;
  if (!callback) {
    if (first.page?.status !== 200) return;
    callback = (await loginAtPsc(browser, first.page, { practitioner, means: 'card' })).stoppedAt;
    if (!callback) return;
  }
  if (callback.searchParams.has('error')) return;
  const tokens = await client.authorizationCodeGrant(config, callback, { ...checks, idTokenExpected: true });
  const sub = tokens.claims()!.sub;
  assert.equal(sub, practitioner);
  const info = await client.fetchUserInfo(config, tokens.access_token, sub);
  assert.equal(info.sub, practitioner);
  round.outcome = 'success';
}

const ended = (a: Answer) => a.at + a.ms;
const rpError = (a: Answer) => (a.location && isRpRedirect(new URL(a.location, a.url)) ? new URL(a.location, a.url).searchParams.get('error') : null);
/** The outage answer: a 503, or temporarily_unavailable for the relying party. */
const unavailable = (a: Answer) => a.status === 503 || rpError(a) === 'temporarily_unavailable';

/** Why a round that did not succeed ended, from its last answer. */
function classify(round: Round, thrown: unknown): void {
  if (round.outcome === 'success') return;
  const last = round.answers.at(-1);
  const said = last ? `${last.method} ${last.url} → ${last.status} ${last.location ?? ''} ${last.error ?? last.excerpt}` : 'no answer';
  if (last && unavailable(last)) {
    round.outcome = 'unavailable';
  } else if (last && last.status >= 400 && last.status < 500 && last.status !== 429 && round.startedAt < clock.killedAt && ended(last) >= clock.restartedAt) {
    round.outcome = 'lost';
  } else {
    round.outcome = 'other';
  }
  round.problem = `${thrown instanceof Error ? `${thrown.message} — ` : ''}last: ${said}`;
}

/**
 * Three sign-ins stopped half-way before the kill and finished after the restart: on the
 * gateway's page, on PSC's form, and with a code not yet exchanged. Their state died with
 * Redis, so each must end on a 4xx (an expired interaction, invalid_grant) — not a 5xx.
 * The first one also reloads its page while Redis is down (the 503 page).
 */
async function parkHalfway(config: client.Configuration, rounds: Round[]) {
  const park = () => {
    const round: Round = { worker: -1, startedAt: Date.now(), answers: [] };
    rounds.push(round);
    return { round, browser: new RecordingBrowser((answer) => round.answers.push(answer)) };
  };
  const finishing = (round: Round, step: () => Promise<unknown>) => async () => {
    let thrown: unknown;
    try {
      await step();
    } catch (err) {
      thrown = err;
    }
    classify(round, thrown);
    return round;
  };
  const onPage = park();
  const login = (await onPage.browser.follow((await authorizationUrl(config)).url, {}, { stopAt: isRpRedirect })).page!;
  assert.equal(login.status, 200, login.body.slice(0, 200));
  const atPsc = park();
  const pscForm = (await atPsc.browser.submit((await atPsc.browser.follow((await authorizationUrl(config)).url)).page!, 'form[action$="/psc"]')).page!;
  assert.ok(pscForm.doc.querySelector('form.login-form'), `PSC's form: ${pscForm.body.slice(0, 200)}`);
  const withCode = park();
  const request = await authorizationUrl(config);
  const page = (await withCode.browser.follow(request.url, {}, { stopAt: isRpRedirect })).page!;
  const callback = (await loginAtPsc(withCode.browser, page, { practitioner: '810104567894', means: 'card' })).stoppedAt;
  assert.ok(callback?.searchParams.get('code'), 'a code before the kill');
  recordRelyingParty(config, () => (answer) => withCode.round.answers.push(answer));
  return {
    /** The clinician on the gateway's page reloads it while Redis is down. */
    reload: () => onPage.browser.request(login.url),
    finish: [
      finishing(onPage.round, () => loginAtPsc(onPage.browser, login, { practitioner: '810104567894', means: 'card' })),
      finishing(atPsc.round, () =>
        atPsc.browser.submit(pscForm, 'form.login-form', { action: 'login', practitioner: '810104567894', means: 'card' }, { stopAt: isRpRedirect }),
      ),
      finishing(withCode.round, () => client.authorizationCodeGrant(config, callback!, { ...request.checks, idTokenExpected: true })),
    ],
  };
}

/** Signs `practitioner` in again and again until ROUNDS_AFTER_READY sign-ins started after recovery. */
async function worker(index: number, config: client.Configuration, rounds: Round[], until: number): Promise<void> {
  let current: Round | undefined;
  recordRelyingParty(config, () => (answer) => current!.answers.push(answer));
  while (Date.now() < until) {
    const round: Round = { worker: index, startedAt: Date.now(), answers: [] };
    current = round;
    rounds.push(round);
    let thrown: unknown;
    try {
      await signInOnce(config, PRACTITIONERS[index]!, round);
    } catch (err) {
      thrown = err;
    }
    classify(round, thrown);
    if (rounds.filter((r) => r.worker === index && r.startedAt >= clock.readyAt).length >= ROUNDS_AFTER_READY) return;
    if (round.outcome !== 'success') await sleep(RETRY_PAUSE_MS);
  }
}

/** What is wrong with one answer, given when Redis was down; undefined when it is fine. */
function problemWith(a: Answer): string | undefined {
  const name = `${a.method} ${a.url} → ${a.status} after ${a.ms} ms (sent ${a.at - clock.killedAt} ms after the kill)`;
  if (a.status >= 500 && a.status !== 503) return `${name}: a ${a.status} (${a.error ?? a.excerpt})`;
  // In flight at the kill, or sent before /readyz said it was back: the outage may answer.
  if (unavailable(a) && (ended(a) < clock.killedAt || a.at >= clock.readyAt)) return `${name}: temporarily unavailable while Redis was up`;
  if (a.status === 503 && !(Number(a.retryAfter) > 0)) return `${name}: 503 without Retry-After`;
  if (a.status === 503 && a.error !== 'temporarily_unavailable' && !/momentanément indisponible/.test(a.excerpt))
    return `${name}: not the outage answer: ${a.excerpt}`;
  const error = rpError(a);
  if (error && error !== 'temporarily_unavailable') return `${name}: the relying party got error=${error}`;
  return undefined;
}

describe('chaos: Redis killed under a stream of sign-ins', () => {
  it('answers success or 503 quickly during the outage, then serves every new sign-in', { timeout: 40_000 }, async () => {
    const rounds: Round[] = [];
    const configs = await Promise.all(PRACTITIONERS.map(() => stack.rp()));
    const halfway = await parkHalfway(await stack.rp(), rounds);
    const workers = configs.map((config, i) => worker(i, config, rounds, Date.now() + 30_000));

    const successes = (i: number) => rounds.filter((r) => r.worker === i && r.outcome === 'success').length;
    await waitFor('every clinician signed in before the kill', () => PRACTITIONERS.every((_p, i) => successes(i) >= ROUNDS_BEFORE_KILL));
    const failedBefore = rounds.filter((r) => r.outcome !== undefined && r.outcome !== 'success');
    assert.deepEqual(
      failedBefore.map((r) => r.problem),
      [],
      'sign-ins before the kill all succeed',
    );

    clock.killedAt = Date.now();
    await redis.stop('SIGKILL');
    await sleep(OUTAGE_MS / 2);
    const reloaded = await halfway.reload();
    await sleep(OUTAGE_MS / 2);
    clock.restartedAt = Date.now();
    await redis.start();
    await waitFor('/readyz 200 after the restart', () => isReady(stack.issuer));
    clock.readyAt = Date.now();
    const parked = await Promise.all(halfway.finish.map((finish) => finish()));
    await Promise.all(workers);

    const answers = rounds.flatMap((r) => r.answers);
    const during = answers.filter((a) => a.at >= clock.killedAt && a.at < clock.readyAt);
    const count = (outcome: Outcome) => rounds.filter((r) => r.outcome === outcome).length;
    diagnostic(`rounds: ${rounds.length} — success ${count('success')}, unavailable ${count('unavailable')}, lost ${count('lost')}, other ${count('other')}`);
    diagnostic(
      `answers while Redis was down or coming back: ${during.length} (503: ${during.filter((a) => a.status === 503).length}, temporarily_unavailable at the RP: ${during.filter((a) => rpError(a) === 'temporarily_unavailable').length}), slowest ${Math.max(0, ...during.map((a) => a.ms))} ms; ready ${clock.readyAt - clock.restartedAt} ms after the restart`,
    );
    for (const r of rounds.filter((x) => x.outcome === 'lost')) diagnostic(`lost half-way: ${r.problem}`);
    assert.deepEqual(
      parked.map((r) => r.outcome),
      ['lost', 'lost', 'lost'],
      `sign-ins parked half-way end on a 4xx: ${parked.map((r) => r.problem).join(' | ')}`,
    );

    assert.deepEqual(answers.map(problemWith).filter(Boolean), [], 'every answer is a success or the outage answer, at the right time');
    assert.deepEqual(
      rounds.filter((r) => r.outcome === 'other').map((r) => `worker ${r.worker}, started ${r.startedAt - clock.killedAt} ms after the kill: ${r.problem}`),
      [],
      'every sign-in succeeded, met the outage, or (half-way at the kill) lost its interaction',
    );
    // New sign-ins meet the outage as error=temporarily_unavailable at the relying party (a
    // redirect); a clinician already on the gateway's page gets the 503 page.
    assert.ok(
      during.some((a) => rpError(a) === 'temporarily_unavailable' && a.at < clock.restartedAt),
      'new sign-ins got temporarily_unavailable while Redis was down',
    );
    assert.equal(reloaded.status, 503, `the sign-in page reloaded while Redis was down: ${reloaded.status} ${reloaded.text.slice(0, 200)}`);
    assert.match(reloaded.text, /momentanément indisponible/);

    for (const [i] of PRACTITIONERS.entries()) {
      const fresh = rounds.filter((r) => r.worker === i && r.startedAt >= clock.readyAt);
      assert.equal(fresh.length, ROUNDS_AFTER_READY, `clinician ${i} signed in ${ROUNDS_AFTER_READY} times after recovery`);
      assert.deepEqual(
        fresh.map((r) => r.problem ?? r.outcome),
        Array(ROUNDS_AFTER_READY).fill('success'),
        `every sign-in of clinician ${i} after recovery succeeds`,
      );
    }
  });
});
