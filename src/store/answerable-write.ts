/**
 * The write that makes a claim count — a code's or refresh token's spend, an emergency code's,
 * a new key's record — done only while the request that made the claim may still answer: a
 * compare-and-set of the claim (Store.setIfEqualsWithin) whose window (spendWithinMs) is counted
 * from when the claim was answered to now, as the write is issued. A write held up on its way
 * past that window (a stalled connection; a failover, after which ioredis sends again what the
 * old master never answered) changes nothing, and the request answers the outage.
 * Given a batch (the tokens a spend makes count: token-consumption.ts), the write is that
 * batch's condition and goes with it, in one call (StoreBatch.setIfEqualsWithin).
 */
import type { Store, StoreBatch, TimedAlso } from './store.ts';
import { spendWithinMs } from './token-consumption.ts';
import { StoreUnavailableError } from './unavailable.ts';

export interface AnswerableClaim {
  /** The claim's key and value, as written with `ttlSeconds`. */
  key: string;
  value: string;
  ttlSeconds: number | undefined;
  /** When the claim's write was answered (this process's performance.now()). */
  answeredAt: number;
  /** What the claim is, for the error's message ("the consumption", "the enrolment's mark"). */
  name: string;
}

export interface AnswerableWrite {
  /** What the claim's key becomes. */
  value: string;
  /** Written with it, first (Store.setIfEqualsWithin). */
  also?: TimedAlso | undefined;
  /** What the write does, for the error's message ("the spend"). */
  what: string;
  /** Run when the store refused the write (too late, or the claim changed), before the error is thrown. */
  onRefused?: () => Promise<unknown>;
}

/**
 * Replaces the claim by `write.value`, after `write.also`, while its request may still answer;
 * with `batch`, as its condition, executing it (nothing of it written unless the claim is).
 * StoreUnavailableError otherwise: the write reached the store too late, or the claim changed meanwhile.
 */
export async function writeWhileAnswerable(store: Store, claim: AnswerableClaim, write: AnswerableWrite, batch?: StoreBatch): Promise<void> {
  const { value, also, what } = write;
  const withinMs = spendWithinMs(claim.answeredAt, performance.now());
  const change = { expected: claim.value, value, ttlSeconds: claim.ttlSeconds, withinMs };
  const outcome = batch ? await batch.setIfEqualsWithin(claim.key, change, also).exec() : await store.setIfEqualsWithin(claim.key, change, also);
  if (outcome !== 'set') await write.onRefused?.();
  if (outcome === 'late') {
    throw new StoreUnavailableError(
      new Error(
        `${claim.key}: ${what} reached the store more than ${withinMs} ms after ${claim.name}, too late: its request may have given up; nothing written`,
      ),
    );
  }
  if (outcome === 'changed') {
    throw new StoreUnavailableError(new Error(`${claim.key}: ${claim.name} changed before ${what} (revoked, expired, or taken over as cut): nothing written`));
  }
}
