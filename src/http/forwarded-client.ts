/**
 * The workstation a client's own proxy names: the X-Forwarded-For entry just before the client
 * address express computed from TRUST_PROXY (req.ip). Read for the abuse limits only, and only
 * where req.ip is a declared forwarding proxy (limits/declared-networks.ts): that entry is the
 * one the proxy wrote, whatever its clients sent before it. Undefined when there is none.
 */
import { isIP } from 'node:net';
import type { Request } from 'express';
import type { TrustProxy } from './forwarded-headers.ts';

export function forwardedClient(req: Request): string | undefined {
  const trust = req.app.get('trust proxy fn') as TrustProxy;
  const header = req.headers['x-forwarded-for'];
  const entries = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  // As proxy-addr walks it for express: the peer, then the entries from the last one back;
  // req.ip is the first address that is not a trusted proxy (or the last one there is).
  const chain = [req.socket.remoteAddress ?? '', ...entries.reverse()];
  let hop = 0;
  while (hop < chain.length - 1 && trust(chain[hop]!, hop)) hop += 1;
  const named = chain[hop + 1];
  return chain[hop] === req.ip && named && isIP(named) ? named : undefined;
}
