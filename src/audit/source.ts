/**
 * Where an event came from, reduced for the audit trail: the request id, the client address
 * per the `audit.ip` policy (full, truncated to /24 or /48, or a keyed hash) and a short
 * user-agent summary ("Chrome 142 / Windows"), never the raw header.
 */
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import type { AuditSource } from './types.ts';

export type IpPolicy = 'full' | 'truncated' | 'hashed';

/** Longest user-agent summary kept. */
export const USER_AGENT_SUMMARY_MAX = 48;

/**
 * Reduces a client address per the policy. Handles IPv4-mapped IPv6 (`::ffff:192.0.2.1` is
 * treated as 192.0.2.1), brackets and zone ids. Returns undefined for anything that is not
 * an IP address (nothing unknown reaches the trail).
 * - full: the address, normalized;
 * - truncated: IPv4 /24 (`192.168.1.0`), IPv6 /48 (`2001:db8:1234::`);
 * - hashed: HMAC-SHA256 under a key derived from `hashKey` (the audit MAC key), hex, first
 *   16 characters: the same client gives the same value, which cannot be reversed without the key.
 * Throws a TypeError for the hashed policy without a key of at least 32 characters.
 */
export function reduceIp(ip: string | undefined, policy: IpPolicy, hashKey?: string): string | undefined {
  if (policy === 'hashed' && (typeof hashKey !== 'string' || hashKey.length < 32)) {
    throw new TypeError(
      `audit ip policy "hashed": expected the audit MAC key (at least 32 characters) to hash addresses with, got ${typeof hashKey === 'string' ? `${hashKey.length} characters` : 'none'}`,
    );
  }
  const address = normalizeIp(ip);
  if (!address) return undefined;
  switch (policy) {
    case 'full':
      return address;
    case 'truncated':
      return isIPv4(address) ? `${address.split('.').slice(0, 3).join('.')}.0` : truncateIPv6(address);
    case 'hashed':
      return createHmac('sha256', ipHashKey(hashKey!)).update(address).digest('hex').slice(0, 16);
    default:
      throw new TypeError(`audit ip policy: expected full, truncated or hashed, got ${JSON.stringify(policy)}`);
  }
}

/** The last MAC key given and the address-hashing key derived from it (one per process in practice). */
let derived: { from: string; key: KeyObject } | undefined;

/**
 * HMAC-SHA256(MAC key, "hospiconnect audit ip v1"): derived once per MAC key, not per event, and
 * kept as a KeyObject (an HMAC under a Buffer key costs Node 24 about 17 µs of key checks, 2 µs under a KeyObject).
 */
function ipHashKey(macKey: string): KeyObject {
  if (derived?.from !== macKey) derived = { from: macKey, key: createSecretKey(createHmac('sha256', macKey).update('hospiconnect audit ip v1').digest()) };
  return derived.key;
}

/** The address without brackets, zone id or IPv4-mapped prefix; IPv6 lower-cased; undefined if not an IP. */
export function normalizeIp(ip: string | undefined): string | undefined {
  if (typeof ip !== 'string') return undefined;
  let address = ip
    .trim()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/%.*$/, '');
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) address = mapped[1]!;
  if (isIPv4(address)) return address;
  if (!isIPv6(address)) return undefined;
  const groups = expandIPv6(address.toLowerCase());
  if (groups.slice(0, 5).every((g) => g === '0000') && groups[5] === 'ffff') {
    // ::ffff:c000:201 is 192.0.2.1 written in hex
    return [groups[6]!, groups[7]!].flatMap((g) => [parseInt(g.slice(0, 2), 16), parseInt(g.slice(2), 16)]).join('.');
  }
  return address.toLowerCase();
}

function truncateIPv6(address: string): string {
  const groups = expandIPv6(address)
    .slice(0, 3)
    .map((g) => g.replace(/^0+(?=.)/, ''));
  while (groups.length && groups.at(-1) === '0') groups.pop();
  return `${groups.join(':')}::`;
}

/** The eight 16-bit groups of an IPv6 address (an embedded IPv4 tail converted). */
function expandIPv6(address: string): string[] {
  let text = address;
  const v4 = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4[1]!.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [left = '', right] = text.split('::');
  const head = left ? left.split(':') : [];
  const tail = right ? right.split(':') : [];
  const fill = right === undefined ? [] : Array<string>(8 - head.length - tail.length).fill('0');
  return [...head, ...fill, ...tail].map((g) => g.padStart(4, '0'));
}

const BROWSERS: Array<[name: string, pattern: RegExp]> = [
  ['Edge', /\bEdg(?:e|A|iOS)?\/(\d+)/],
  ['Opera', /\b(?:OPR|Opera)\/(\d+)/],
  ['Samsung Internet', /\bSamsungBrowser\/(\d+)/],
  ['Firefox', /\b(?:Firefox|FxiOS)\/(\d+)/],
  ['HeadlessChrome', /\bHeadlessChrome\/(\d+)/],
  ['Chrome', /\b(?:Chrome|CriOS)\/(\d+)/],
  ['Safari', /\bVersion\/(\d+)[\d.]*(?: Mobile\/\S+)? Safari\//],
];

const SYSTEMS: Array<[name: string, pattern: RegExp]> = [
  ['Windows', /\bWindows\b/],
  ['Android', /\bAndroid\b/],
  ['iOS', /\b(?:iPhone|iPad|iPod)\b/],
  ['ChromeOS', /\bCrOS\b/],
  ['macOS', /\bMac OS X\b|\bMacintosh\b/],
  ['Linux', /\bLinux\b|\bX11\b/],
];

/**
 * "Browser major / system" from a User-Agent header, e.g. "Chrome 142 / Windows",
 * "Safari 17 / macOS"; "other" when the browser is not one of the known ones. Never the raw
 * header; at most USER_AGENT_SUMMARY_MAX characters.
 */
export function summarizeUserAgent(ua: string | string[] | undefined): string | undefined {
  const header = Array.isArray(ua) ? ua[0] : ua;
  if (typeof header !== 'string' || header.trim() === '') return undefined;
  const text = header.slice(0, 1024);
  let browser: string | undefined;
  for (const [name, pattern] of BROWSERS) {
    const match = pattern.exec(text);
    if (match) {
      browser = `${name} ${match[1]!.slice(0, 4)}`;
      break;
    }
  }
  if (!browser) return 'other';
  const system = SYSTEMS.find(([, pattern]) => pattern.test(text))?.[0] ?? 'other';
  return `${browser} / ${system}`.slice(0, USER_AGENT_SUMMARY_MAX);
}

/** The part of an HTTP request auditSourceFrom reads (express Request fits). */
export interface AuditRequestLike {
  id?: unknown;
  ip?: string | undefined;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * AuditSource of a request: its id (string or number, at most 128 characters), the reduced
 * client address (req.ip: configure express "trust proxy" so it is the client's) and the
 * user-agent summary. Throws only for the hashed policy without a key (a configuration error).
 */
export function auditSourceFrom(req: AuditRequestLike, policy: IpPolicy, key?: string): AuditSource {
  const id = typeof req.id === 'string' || typeof req.id === 'number' ? String(req.id).slice(0, 128) : undefined;
  const source: AuditSource = {};
  if (id) source.requestId = id;
  const ip = reduceIp(req.ip, policy, key);
  if (ip) source.ip = ip;
  const userAgent = summarizeUserAgent(req.headers['user-agent']);
  if (userAgent) source.userAgent = userAgent;
  return source;
}
