/**
 * An error and the errors it wraps (`cause`), outermost first, as long as each is an object:
 * at most five, so that a cause cycle cannot loop. How the store tells what an error means
 * (unavailable.ts: an outage; answer-deadline.ts: a missed deadline) whatever wrapped it.
 */
export function* errorCauses(err: unknown): Generator<object & { cause?: unknown }> {
  for (let e = err, depth = 0; e !== null && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth += 1) {
    yield e;
  }
}
