/**
 * An address range in CIDR notation (IPv4 or IPv6), checked as node:net's BlockList will read
 * it (http/networks.ts), so that a bad range stops start-up with its key named (ConfigError)
 * instead of throwing when the first request comes.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { z } from 'zod';

export const CIDR_EXPECTED = 'an address range in CIDR notation (IPv4 /0–32, IPv6 /0–128), e.g. 203.0.113.0/28 or 2001:db8:12::/48';

/** The prefix length of a valid range, or undefined. */
export function cidrPrefix(text: string): { family: 4 | 6; bits: number } | undefined {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(text);
  if (!match) return undefined;
  const [, address, digits] = match as unknown as [string, string, string];
  const bits = Number(digits);
  if (isIPv4(address) && bits <= 32) return { family: 4, bits };
  if (isIPv6(address) && bits <= 128) return { family: 6, bits };
  return undefined;
}

/** A valid range no wider than `widest` bits for IPv4 and IPv6 (e.g. a declared network: /8, /32). */
export function cidr(widest?: { ipv4: number; ipv6: number; why: string }) {
  const range = z.string().refine((text) => cidrPrefix(text) !== undefined, CIDR_EXPECTED);
  if (!widest) return range;
  return range.refine((text) => {
    const prefix = cidrPrefix(text);
    return !prefix || prefix.bits >= (prefix.family === 4 ? widest.ipv4 : widest.ipv6);
  }, `a range no wider than /${widest.ipv4} (IPv4) or /${widest.ipv6} (IPv6): ${widest.why}`);
}
