/**
 * Drops the forwarding headers (X-Forwarded-*, Forwarded, X-Real-IP) of a request whose peer is
 * not a trusted proxy, before anything reads them: the first middleware of the app.
 */
import type { RequestHandler } from 'express';

/** Express's `trust proxy fn`: is the address at this hop (0 = the connection's peer) a trusted proxy? */
export type TrustProxy = (address: string, hop: number) => boolean;

/** Headers by which a peer says where the request came from, which host it named, or over which scheme. */
function isForwardingHeader(name: string): boolean {
  return name.startsWith('x-forwarded-') || name === 'forwarded' || name === 'x-real-ip';
}

/**
 * Express evaluates `trust proxy` per request, but oidc-provider's Koa (`proxy = true`) would
 * believe X-Forwarded-Host and -Proto from any peer: a forged host then names the endpoints of
 * the discovery document (cache poisoning) and the audiences a client assertion may carry.
 * The verdict is express's own (`app.get('trust proxy fn')`, compiled from TRUST_PROXY), so
 * "trusted" has one definition; from a trusted peer the headers are left as they came.
 */
export function forwardedHeaders(): RequestHandler {
  return (req, _res, next) => {
    const trust = req.app.get('trust proxy fn') as TrustProxy;
    const peer = req.socket.remoteAddress ?? '';
    if (trust(peer, 0)) return next();
    for (const name of Object.keys(req.headers)) if (isForwardingHeader(name)) delete req.headers[name];
    next();
  };
}
