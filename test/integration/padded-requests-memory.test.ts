/**
 * The attack: a relying party pads every refresh request with as much as the token endpoint
 * takes (56 KiB; input-limits.ts), in parameters oidc-provider ignores. What the gateway
 * remembers of each request across requests (the expiry of the refresh token it found, for the
 * spend: store/oidc-adapter.ts) must keep the token's id, not the padded body the id was cut out
 * of: ten thousand refreshes would otherwise pin half a gigabyte. The heap is measured in this
 * process, where the gateway runs, before and after the padded refreshes (test/support/heap.ts).
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { startStack, type Stack } from '../support/stack.ts';
import { TestBrowser } from '../support/browser.ts';
import { exchange, signIn } from '../support/psc-login.ts';
import { refreshAsTestRp } from '../support/token-requests.ts';
import { heapKeptBy, MiB } from '../support/heap.ts';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ name: 'padded-requests-memory' });
});
afterAll(async () => {
  await stack?.close();
});

const REFRESHES = 250;
/** Six ignored parameters of 8,000 characters (the most a value may have): 48 KB per request. */
const PADDING = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`pad${i}`, String(i).repeat(8000)]));

async function paddedRefresh(refreshToken: string): Promise<string> {
  const response = await fetch(`${stack.issuer}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`test-rp:${stack.secrets['test-rp']}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, ...PADDING }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await response.json()) as { refresh_token?: string; error?: string };
  assert.equal(response.status, 200, `a padded refresh is answered: ${body.error ?? ''}`);
  return body.refresh_token!;
}

describe('padded refresh requests', () => {
  it(
    `${REFRESHES} refreshes of 48 KB each leave the gateway's heap no larger than a few MiB (12 MiB if it kept the bodies)`,
    { timeout: 120_000 },
    async () => {
      const signedIn = await signIn(stack, new TestBrowser());
      let refreshToken = (await exchange(signedIn)).refresh_token!;
      // The first refreshes fill what every process makes once (caches, compiled code).
      for (let i = 0; i < 20; i++) {
        const answer = await refreshAsTestRp(stack, refreshToken);
        assert.equal(answer.status, 200);
        refreshToken = answer.body.refresh_token!;
      }
      const kept = await heapKeptBy(async () => {
        for (let i = 0; i < REFRESHES; i++) refreshToken = await paddedRefresh(refreshToken);
      });
      assert.ok(kept < 4 * MiB, `${REFRESHES} padded refreshes kept ${(kept / MiB).toFixed(1)} MiB on the heap`);
      // The last token still works: the padding changed nothing of what was issued.
      assert.equal((await refreshAsTestRp(stack, refreshToken)).status, 200);
    },
  );
});
