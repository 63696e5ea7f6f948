/**
 * Listen address versus public URL: where a server listens (a host, a port) and the URL people
 * and the other peers reach it at are two settings. An unset URL defaults from the port, on
 * localhost when the host is loopback or a wildcard (0.0.0.0, ::) that no browser can be sent to.
 */
import { z } from 'zod';

const WILDCARD_HOSTS: ReadonlySet<string> = new Set(['0.0.0.0', '::', '[::]', '']);
/** Reached as localhost: a loopback address would make a poor URL (WebAuthn refuses an IP address as its RP ID). */
const LOCAL_HOSTS: ReadonlySet<string> = new Set([...WILDCARD_HOSTS, 'localhost', '127.0.0.1', '::1']);

/** The URL a server listening on host:port is reached at when nobody said otherwise. */
export function defaultUrl(host: string, port: number): string {
  const name = LOCAL_HOSTS.has(host) ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${name}:${port}`;
}

/** True when the URL names a listen-only address (0.0.0.0, ::) rather than a host people reach. */
export function namesWildcardHost(value: string): boolean {
  return URL.canParse(value) && WILDCARD_HOSTS.has(new URL(value).hostname);
}

const WILDCARD_MESSAGE =
  'the address people and the other peers reach it at, e.g. http://localhost:3000: 0.0.0.0 and :: are addresses to listen on (HOST, SANDBOX_HOST), not to be sent to';

/** A public URL: http(s), never a wildcard host. */
export const publicUrl = z.url({ protocol: /^https?$/ }).refine((v) => !namesWildcardHost(v), WILDCARD_MESSAGE);

/** The public URL of a sandbox peer: an origin (scheme, host, port), no path; a trailing slash is dropped. */
export const peerUrl = publicUrl
  .refine(
    (v) => !URL.canParse(v) || (['', '/'].includes(new URL(v).pathname) && !new URL(v).search && !new URL(v).hash),
    'an origin with no path, e.g. http://localhost:3002 (the demo applications and the PSC simulator are served at the root)',
  )
  .transform((v) => v.replace(/\/$/, ''));
