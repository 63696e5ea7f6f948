/**
 * bench/load/http-client.ts, the journeys' client: a request that fails at the connection says
 * which server and request it was (the journeys count errors by message: "read ECONNRESET" alone
 * did not say whether the gateway or the PSC simulator had reset the connection).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'vitest';
import { VirtualBrowser } from '../../bench/load/http-client.ts';
import { freePort } from '../support/ports.ts';

test('a failed connection names the method, the server and the path (ids left out)', async () => {
  const port = await freePort();
  const browser = new VirtualBrowser(new http.Agent({ keepAlive: false }));
  await assert.rejects(
    browser.request(`http://127.0.0.1:${port}/interaction/abcdefghijklmnopqrstuvwxyz/webauthn/verify`, { form: { a: '1' } }),
    (error: Error) => {
      assert.match(error.message, new RegExp(`^POST 127\\.0\\.0\\.1:${port}/interaction/:id/webauthn/verify: connect ECONNREFUSED`));
      assert.equal((error.cause as NodeJS.ErrnoException).code, 'ECONNREFUSED');
      return true;
    },
  );
});
