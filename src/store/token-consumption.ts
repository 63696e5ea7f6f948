/**
 * A code or refresh token consumed at the token endpoint counts as used only once the request
 * answers with the tokens it bought. oidc-provider consumes it first, then saves the new tokens
 * (a code: the access token, then the refresh token; a refresh: the new refresh token, then the
 * access token), then answers. Cut anywhere in between (Redis killed, frozen or failing over; on
 * Cluster the writes span shards; a write refused), the relying party gets 5xx with nothing
 * handed out and tries again with what it holds (integration.md tells it to) — and finding it
 * consumed, oidc-provider takes that for a stolen code or token replayed: it revokes the grant
 * (the clinician signs in again) and the trail says `token.replayed`, a false alarm.
 *
 * So, within a request, consuming one of PROVISIONAL_MODELS also marks it pending (when), and
 * the mark is cleared as the request answers without a server-side failure (status below 500:
 * oidc/edges.ts calls spendConsumedTokens after the provider's handler, before the answer
 * leaves): only then is it spent. Both are in its use mark (adapter-record.ts): `<consumed>
 * <pending>`, then `<consumed>`. One still marked:
 * - within CONSUMPTION_SETTLES_MS of being consumed: its request may still be running or was
 *   just cut — the answer is the outage's (503, try again), never a replay verdict;
 * - later: its request was cut and handed nothing out, so it is served as not consumed and can
 *   be exchanged again.
 * One consumed without the mark (answered, or consumed outside a request, or before this
 * release) is spent: presenting it again is a replay, as oidc-provider decides. A request that
 * refuses the code or token after consuming it (a 4xx: its grant or account gone) spends it too.
 *
 * Consuming claims the use mark (oidc-adapter.ts consume: SET NX), since oidc-provider reads a
 * code or token, checks it unconsumed, then consumes it: two requests presenting it at once (a
 * double submit, or a stolen one raced against the application) would both buy tokens. The
 * later is told to try again (consumedMeanwhile: 503), and tried again it is the replay. A cut
 * consumption's mark (isCutConsumption) is taken over by compare-and-set, by one request only.
 *
 * The spend is a compare-and-set of the request's own pending mark, and counts only while the
 * request may still answer with the tokens (spendWithinMs): one that reaches Redis after its
 * request answered 503 changes nothing, and the consumption stays pending, then cut.
 *
 * The tokens a consumption buys (BOUGHT_MODELS: the access token and the refresh token
 * oidc-provider saves one after the other) are held until the request answers, then saved
 * together with the spend, in one batch whose condition the spend is (boughtTokensBatch,
 * StoreBatch.setIfEqualsWithin): one script call where each token and the spend were one,
 * their grant's index written once with both (redis-batch.ts joins the additions); none saved
 * for an answer that hands them out to no one (a server error), nor, on one Redis node, for a
 * spend that comes too late or finds the claim changed (the spend is checked first). On Redis
 * Cluster the tokens' slots are written first and the spend's last, as two calls would.
 *
 * A refresh that answers also shrinks the spent token, when the request read it: the record
 * keeps only what its reuse needs (SPENT_REFRESH_TOKEN_FIELDS), with `consumed` inline, and its
 * use mark, written to live only while the request may run (FOLDING_MARK_SECONDS), goes by
 * itself. A client refreshing every ten minutes leaves one spent token per refresh for the
 * token's whole lifetime (replays are told apart from unknown tokens as long as the token would
 * have lived), so what each one weighs is what a session weighs in Redis.
 */
import type { AdapterPayload } from './adapter-types.ts';
import { STORE_ANSWER_MS } from './answer-deadline.ts';
import { encodeUse, type RecordUse } from './adapter-record.ts';
import { currentRequest, type Spend } from './request-scope.ts';
import type { StoreBatch } from './store.ts';
import { StoreUnavailableError } from './unavailable.ts';

/** Longer than any request's wait for the store: a consumption still pending after this was cut. */
export const CONSUMPTION_SETTLES_MS = 2 * STORE_ANSWER_MS;

/** The models consumed at the token endpoint in exchange for tokens: their consumption is pending until the request answers. */
export const PROVISIONAL_MODELS: ReadonlySet<string> = new Set(['AuthorizationCode', 'RefreshToken']);

/** What a consumption at the token endpoint buys: saved together as the request answers (boughtTokensBatch). */
export const BOUGHT_MODELS: ReadonlySet<string> = new Set(['AccessToken', 'RefreshToken']);

/** The model whose consumption is a rotation: its spent record shrinks. */
export const ROTATED_MODEL = 'RefreshToken';

/**
 * A consumption a request left pending: its use mark's key, the mark as written (`<consumed>
 * <pending>`) and its TTL, the `consumed` it wrote, and the spent record when the request read
 * the refresh token.
 */
export interface PendingConsumption {
  key: string;
  mark: string;
  ttl: number | undefined;
  consumed: string;
  spent?: { key: string; text: string };
}

/**
 * What a spend leaves its request to bring the answer back: it counts only if it reaches Redis
 * by STORE_ANSWER_MS less this after it was issued, so that one Redis executed in time is
 * answered before the request gives up on it (its deadline, STORE_ANSWER_MS).
 */
export const SPEND_REPLY_MS = 1_000;

/**
 * How long after the use mark was written (Redis's clock: Store.setIfEqualsWithin) the spend
 * may reach Redis and still count, given when the claim was answered and when the spend is
 * issued (this process's monotonic clock). The mark was written no later than the claim was
 * answered, so a spend that reaches Redis after its request gave up always finds itself too
 * old, whatever the clocks of Redis and the gateway say: held up on its way (a stalled
 * connection; a failover, after which ioredis sends again to the new master what the old one
 * never answered) it would otherwise make the code or token spent for a request that answered
 * 503 and handed nothing out — and tried again, taken for a replay.
 */
export function spendWithinMs(claimAnsweredAt: number, issuedAt: number): number {
  return Math.round(Math.max(0, issuedAt - claimAnsweredAt)) + STORE_ANSWER_MS - SPEND_REPLY_MS;
}

/**
 * What a spent refresh token keeps: what oidc-provider's refresh grant reads of it before it
 * sees it consumed and revokes its grant (client, expiry, sender binding, grant, scope,
 * account, session binding), and what introspection and revocation read (its grant, client;
 * its kind is its model's: record-defaults.ts). The rest (acr, amr, claims, nonce, …) only
 * served a token still to be used.
 */
export const SPENT_REFRESH_TOKEN_FIELDS = [
  'iat',
  'exp',
  'jti',
  'clientId',
  'grantId',
  'accountId',
  'sessionUid',
  'expiresWithSession',
  'scope',
  'x5t#S256',
  'jkt',
  'attestationJkt',
] as const;

/** A spent refresh token's record: its SPENT_REFRESH_TOKEN_FIELDS and when it was consumed. */
export function spentRefreshToken(payload: AdapterPayload, consumed: string): AdapterPayload {
  const spent: Record<string, unknown> = {};
  for (const field of SPENT_REFRESH_TOKEN_FIELDS) if (payload[field] !== undefined) spent[field] = payload[field];
  return { ...spent, consumed: Number(consumed) };
}

/** Remembers the refresh token this request read (not consumed): consuming it then knows what it keeps once spent. */
export function rememberRefreshTokenRead(key: string, payload: AdapterPayload): void {
  const request = currentRequest();
  if (request) request.refreshTokenRead = { key, payload };
}

/**
 * How long the use mark of a consumption that will write its spent record (consumed inline)
 * lives: only while its request may run. Past CONSUMPTION_SETTLES_MS a mark still pending counts
 * as no consumption, and once the request has answered the record says it is spent: the mark
 * gone changes nothing then, and needs no command to go. A minute: more than the clocks of two
 * instances may differ.
 */
export const FOLDING_MARK_SECONDS = 60;

/**
 * What consume() writes in the use mark (`mark`, encoded) and how long it lives (`ttl`: the
 * record's lifetime and the margin, undefined for none): `consumed`, and within a request, for
 * PROVISIONAL_MODELS, the pending mark; then `pending` says what to leave once the request answers (its use mark's key,
 * `consumed`, and the spent record as `encode` stores it when this request read the refresh
 * token at `keys.record`, in which case the mark only lives FOLDING_MARK_SECONDS).
 */
export function consumeFields(
  model: string,
  keys: { used: string; record: string },
  now: number,
  ttl: number | undefined,
  encode: (payload: AdapterPayload) => string,
): { mark: string; ttl: number | undefined; pending?: PendingConsumption } {
  const consumed = String(Math.floor(now / 1000));
  const request = currentRequest();
  if (!PROVISIONAL_MODELS.has(model) || !request) return { mark: encodeUse({ consumed }), ttl };
  const read = model === ROTATED_MODEL ? request.refreshTokenRead : undefined;
  const spent = read?.key === keys.record ? { key: keys.record, text: encode(spentRefreshToken(read.payload, consumed)) } : undefined;
  const mark = encodeUse({ consumed, pending: String(now) });
  const markTtl = spent ? Math.min(ttl ?? Infinity, FOLDING_MARK_SECONDS) : ttl;
  return { mark, ttl: markTtl, pending: { key: keys.used, mark, ttl: markTtl, consumed, spent } };
}

/**
 * Remembers how to spend what this request consumed (the adapter's write), for when it answers
 * (spendConsumedTokens): given the batch of the tokens it bought, the spend is its condition and
 * executes it.
 */
export function spendWhenAnswered(spend: Spend): void {
  const request = currentRequest();
  if (request) (request.spendWhenAnswered ??= []).push(spend);
}

/**
 * From now on in this request, the tokens its consumptions buy are held until it answers
 * (boughtTokensBatch): oidc/edges.ts calls it before the provider's handler, and then either
 * spendConsumedTokens or dropBoughtTokens. Outside a request: nothing, every token saved at once.
 */
export function holdBoughtTokens(): void {
  const request = currentRequest();
  if (request) request.boughtTokens = { whenSaved: [] };
}

/**
 * Where a token of `model` saved now goes: the batch held until the request answers, when the
 * request holds its bought tokens and has consumed a code or refresh token that is not spent
 * yet (a token of BOUGHT_MODELS is then what the consumption buys), with `whenSaved` to run
 * once it is saved; undefined otherwise, and the caller saves the token itself.
 */
export function boughtTokensBatch(model: string, newBatch: () => StoreBatch): { batch: StoreBatch; whenSaved(after: () => void): void } | undefined {
  const request = currentRequest();
  const held = request?.boughtTokens;
  if (!held || !BOUGHT_MODELS.has(model) || !request.spendWhenAnswered?.length) return undefined;
  const batch = (held.batch ??= newBatch());
  return { batch, whenSaved: (after) => held.whenSaved.push(after) };
}

/** The request answers with a server-side failure (or its handler threw): the tokens held are handed out to no one and not saved. */
export function dropBoughtTokens(): void {
  const request = currentRequest();
  if (request) request.boughtTokens = undefined;
}

/**
 * The request answers without a server-side failure: the tokens it bought are saved and what it
 * consumed is spent, in one batch whose condition the spend is, before the answer leaves
 * (oidc/edges.ts). Throws the store's error when a write fails or the spend is refused: the
 * answer must then be the outage's, the tokens not handed out, and what was consumed stays
 * pending. A request consumes one code or refresh token; should it consume more, the others are
 * spent after, each alone.
 */
export async function spendConsumedTokens(): Promise<void> {
  const request = currentRequest();
  const held = request?.boughtTokens;
  if (held) request.boughtTokens = undefined;
  const [first, ...others] = request?.spendWhenAnswered ?? [];
  if (request) request.spendWhenAnswered = undefined;
  if (held?.batch) {
    if (first) await first(held.batch);
    else await held.batch.exec();
    for (const after of held.whenSaved) after();
  } else if (first) await first();
  for (const spend of others) await spend();
}

/** The pending mark's name in a hash-layout record (legacy-records.ts); in a use mark it is the second number. */
export const PENDING_MARK = 'rotating';

/** A use mark still pending long enough after its consumption that its request was cut and handed nothing out. */
export function isCutConsumption(use: RecordUse, now: number): boolean {
  return use.pending !== undefined && pendingSettled(Number(use.pending), now);
}

/** Whether a consumption pending since `pendingSince` (epoch ms; NaN when unreadable) has settled: its request was cut. */
export function pendingSettled(pendingSince: number, now: number): boolean {
  const since = now - pendingSince;
  return !(Number.isFinite(since) && since < CONSUMPTION_SETTLES_MS);
}

/**
 * A stored consumable record's use as find() should see it: unchanged when not pending; without
 * `consumed` when its request was cut (isCutConsumption); StoreUnavailableError while that
 * request may still be running.
 */
export function settledUse(key: string, use: RecordUse, now: number): Partial<RecordUse> {
  if (use.pending === undefined) return use;
  if (isCutConsumption(use, now)) return {};
  throw new StoreUnavailableError(new Error(`${key}: consumed ${now - Number(use.pending)} ms ago by a request that has not answered: try again in a moment`));
}

/**
 * What a request that consumes a record another request has consumed meanwhile is told: try
 * again (the outage's answer, 503; tried again, it is the replay). Not an outage of the store:
 * the outage log passes it over, and the audit trail records it (oidc/audit-events.ts).
 */
export class ConsumedMeanwhileError extends StoreUnavailableError {
  /** The grant and account of the code or token, when its record was there. */
  readonly grantId: string | undefined;
  readonly accountId: string | undefined;
  constructor(key: string, record?: AdapterPayload) {
    super(new Error(`${key}: consumed meanwhile by another request: try again in a moment`));
    this.name = 'ConsumedMeanwhileError';
    this.grantId = typeof record?.grantId === 'string' ? record.grantId : undefined;
    this.accountId = typeof record?.accountId === 'string' ? record.accountId : undefined;
  }
}
