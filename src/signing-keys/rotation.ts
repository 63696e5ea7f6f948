/**
 * Key rotation without breaking anything in flight (`npm run keys -- rotate`), one step per
 * run, the state kept in `rotation.json` beside the keys:
 *
 * 1. **publish**: a new signing key per algorithm is appended to `jwks.json` after the
 *    current ones (oidc-provider signs with the first key of an algorithm, so it only
 *    appears in /jwks), and a new cookie key is appended to `cookie-keys.json` (accepted,
 *    not yet used to sign). Restart every instance: relying parties can fetch the new key,
 *    and every instance accepts cookies signed with the new cookie key.
 * 2. **promote** (a later run, once `publishMs` has passed since step 1): the new keys move
 *    first and sign; the previous ones stay, retiring, for `graceMs` — tokens and cookies
 *    they signed still verify. Restart every instance again.
 * 3. **retire** (any later run past the grace period): the retired keys are removed.
 *
 * A run never publishes and promotes at once, so a key always signs after it was published.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { JWK } from 'jose';
import { generateSigningKey, type SigningAlg } from './generate.ts';

export const ROTATION_FILE = 'rotation.json';

export interface RotationState {
  /** Keys published but not signing yet. */
  next?: { kids: string[]; cookieKey: string; publishedAt: string };
  /** Keys that signed before the last promotion, kept until `until` (cookie keys by fingerprint). */
  retiring: Array<{ kid?: string; cookieKey?: string; until: string }>;
}

export interface KeyFiles {
  jwks: { keys: JWK[] };
  cookieKeys: string[];
}

export interface RotationTimes {
  /** How long a new key is published before it signs (relying parties' JWKS caches). */
  publishMs: number;
  /** How long a replaced key keeps verifying (longest token or session it signed). */
  graceMs: number;
}

export interface RotationResult {
  files: KeyFiles;
  state: RotationState;
  /** What this run did, one line each. */
  actions: string[];
}

/** A cookie key's name in rotation.json: never the key itself. */
export function cookieKeyFingerprint(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

export async function rotate(files: KeyFiles, state: RotationState, now: Date, times: RotationTimes): Promise<RotationResult> {
  const actions: string[] = [];
  let keys = [...files.jwks.keys];
  let cookieKeys = [...files.cookieKeys];
  let retiring = [...state.retiring];
  let next = state.next;

  // 3. Retire what is past its grace period.
  const due = retiring.filter((r) => Date.parse(r.until) <= now.getTime());
  for (const r of due) {
    if (r.kid) {
      keys = keys.filter((k) => k.kid !== r.kid);
      actions.push(`retired signing key ${r.kid}`);
    }
    if (r.cookieKey) {
      cookieKeys = cookieKeys.filter((k) => cookieKeyFingerprint(k) !== r.cookieKey);
      actions.push(`retired cookie key ${r.cookieKey}`);
    }
  }
  retiring = retiring.filter((r) => !due.includes(r));

  const isRetiring = (kid: string | undefined) => retiring.some((r) => r.kid === kid);
  const current = keys.filter((k) => !next?.kids.includes(k.kid!) && !isRetiring(k.kid));

  if (next && now.getTime() - Date.parse(next.publishedAt) >= times.publishMs) {
    // 2. Promote: the published keys sign; the previous ones retire after the grace period.
    const until = new Date(now.getTime() + times.graceMs).toISOString();
    const promoted = next.kids.map((kid) => keys.find((k) => k.kid === kid)).filter((k): k is JWK => Boolean(k));
    for (const k of current) retiring.push({ kid: k.kid!, until });
    const nextCookie = cookieKeys.find((k) => cookieKeyFingerprint(k) === next!.cookieKey);
    if (nextCookie && cookieKeys[0] !== nextCookie) {
      retiring.push({ cookieKey: cookieKeyFingerprint(cookieKeys[0]!), until });
      cookieKeys = [nextCookie, ...cookieKeys.filter((k) => k !== nextCookie)];
    }
    keys = [...promoted, ...keys.filter((k) => !promoted.includes(k))];
    actions.push(
      `promoted ${promoted.map((k) => `${k.alg}:${k.kid}`).join(', ')} and the new cookie key: they sign now; the previous keys verify until ${until}`,
    );
    next = undefined;
  } else if (!next) {
    // 1. Publish one new key per algorithm in use, and a new cookie key, not signing yet.
    const algs = [...new Set(current.map((k) => k.alg as SigningAlg))];
    const fresh = await Promise.all(algs.map((alg) => generateSigningKey(alg)));
    const cookieKey = randomBytes(32).toString('base64url');
    keys = [...current, ...fresh, ...keys.filter((k) => !current.includes(k))];
    cookieKeys = [...cookieKeys, cookieKey];
    next = { kids: fresh.map((k) => k.kid!), cookieKey: cookieKeyFingerprint(cookieKey), publishedAt: now.toISOString() };
    const signsFrom = new Date(now.getTime() + times.publishMs).toISOString();
    actions.push(`published ${fresh.map((k) => `${k.alg}:${k.kid}`).join(', ')} and a new cookie key; run rotate again from ${signsFrom} to make them sign`);
  } else {
    const signsFrom = new Date(Date.parse(next.publishedAt) + times.publishMs).toISOString();
    actions.push(`waiting: the published keys (${next.kids.join(', ')}) can sign from ${signsFrom}`);
  }

  return { files: { jwks: { keys }, cookieKeys }, state: { ...(next ? { next } : {}), retiring }, actions };
}
