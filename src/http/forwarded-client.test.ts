/** forwardedClient: the X-Forwarded-For entry the client's own proxy appended, with express's trust walk. */
import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import type { Request } from 'express';
import { forwardedClient } from './forwarded-client.ts';
import type { TrustProxy } from './forwarded-headers.ts';

function request(peer: string, forwardedFor: string | undefined, ip: string, trust: TrustProxy): Request {
  return {
    app: { get: () => trust },
    headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
    socket: { remoteAddress: peer },
    ip,
  } as unknown as Request;
}
const loopback: TrustProxy = (address) => address === '127.0.0.1';

describe('forwardedClient', () => {
  it('is the entry just before the client address express computed', () => {
    assert.equal(forwardedClient(request('127.0.0.1', '10.1.2.3, 198.51.100.7', '198.51.100.7', loopback)), '10.1.2.3');
    assert.equal(
      forwardedClient(request('127.0.0.1', '10.1.2.99, 10.1.2.3,198.51.100.7', '198.51.100.7', loopback)),
      '10.1.2.3',
      'what the workstation sent before it is not read',
    );
  });

  it('follows a hop count as express does', () => {
    const twoHops: TrustProxy = (_address, hop) => hop < 2;
    assert.equal(forwardedClient(request('10.0.0.1', '10.1.2.3, 198.51.100.7, 10.0.0.2', '198.51.100.7', twoHops)), '10.1.2.3');
  });

  it('is undefined when the proxy named nobody, named something that is not an address, or express saw another client', () => {
    assert.equal(forwardedClient(request('127.0.0.1', '198.51.100.7', '198.51.100.7', loopback)), undefined);
    assert.equal(forwardedClient(request('127.0.0.1', 'unknown, 198.51.100.7', '198.51.100.7', loopback)), undefined);
    assert.equal(forwardedClient(request('198.51.100.7', undefined, '198.51.100.7', loopback)), undefined);
    assert.equal(forwardedClient(request('127.0.0.1', '10.1.2.3, 198.51.100.7', '203.0.113.1', loopback)), undefined);
  });
});
