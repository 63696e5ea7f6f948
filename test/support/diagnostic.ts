/**
 * A finding worth reading in the test output even when the test passes (figures of a chaos test,
 * a gateway's error lines): what node:test's t.diagnostic was. Vitest prints a test's console
 * output under the test's name.
 */
export function diagnostic(message: string): void {
  // eslint-disable-next-line no-console -- the test output is where this belongs
  console.log(message);
}
