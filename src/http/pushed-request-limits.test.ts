import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { pushedRequestProblem } from './pushed-request-limits.ts';

const form = (params: Record<string, string>) => new URLSearchParams(params).toString();

describe('pushedRequestProblem', () => {
  it("holds the authorization parameters to the query string's limits, client authentication aside", () => {
    const assertion = 'a'.repeat(8000);
    assert.equal(pushedRequestProblem(form({ client_id: 'dmp', client_assertion: assertion, state: 's'.repeat(4096) })), undefined);
    assert.match(pushedRequestProblem(form({ state: 's'.repeat(4097) }))!, /parameter state has 4097 characters \(max 4096/);
    assert.match(
      pushedRequestProblem(form({ a: 'x'.repeat(3000), b: 'x'.repeat(3000), c: 'x'.repeat(3000) }))!,
      /pushed authorization request of 9008 characters \(max 8192/,
    );
    assert.match(pushedRequestProblem(form({ claims: '"'.repeat(3000) }))!, /of 9007 characters/, 'counted percent-encoded, as in a query string');
  });

  it('counts the parameters', () => {
    const many = new URLSearchParams(Array.from({ length: 65 }, (_, i) => [`p${i}`, 'v']));
    assert.match(pushedRequestProblem(many.toString())!, /more than 64 parameters in the pushed authorization request/);
  });
});
