/**
 * The privacy scanner: finds what must never be in an audit event — JWTs, long random
 * tokens in fields named like token/code/secret/assertion/signature/password/verifier,
 * credentials in URLs and Bearer headers, and PSC profile objects (SubjectRefPro).
 */

export type SecretKind = 'jwt' | 'token-field' | 'secret-field' | 'psc-profile' | 'bearer' | 'url-credential';

export interface SecretFinding {
  /** Where it is, e.g. "details.code" or "details.ids[2]". */
  path: string;
  /** The same path as segments, e.g. ["details", "code"]. */
  at: Array<string | number>;
  kind: SecretKind;
}

/** Names whose string values are secrets whatever they look like. */
const SECRET_NAME = /pass(?:word|wd|phrase)|secret|private.?key|cookie|authorization/i;
/** Names whose long random-looking values are credentials (tokens, codes, proofs). */
const TOKEN_NAME = /token|code|assertion|signature|verifier|attestation|clientdata|authenticatordata|nonce|^state$/i;
/** Names that carry a hash of something, not the thing (e.g. accessTokenHash): not a credential. */
const HASH_NAME = /hash$/i;
const URL_CREDENTIAL =
  /[?&#;](?:access_token|id_token|refresh_token|id_token_hint|logout_token|token|code|code_verifier|client_secret|client_assertion|assertion|state|nonce|password|SAMLResponse)=([^&#\s]{8,})/i;
const BEARER = /\bBearer\s+[A-Za-z0-9._~+/=-]{16,}/i;
const JWT_CANDIDATE = /[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/g;
const PSC_PROFILE_TEXT = /"SubjectRefPro"\s*:/;

/** True for a value that looks like a generated credential: >= 20 token characters, mixed classes, varied. */
export function looksRandom(value: string): boolean {
  if (value.length < 20 || !/^[A-Za-z0-9._~+/=-]+$/.test(value)) return false;
  const classes = Number(/[a-z]/.test(value)) + Number(/[A-Z]/.test(value)) + Number(/[0-9]/.test(value));
  return classes >= 2 && new Set(value).size >= 10;
}

/** True when the text contains a compact JWS/JWE: base64url parts whose first decodes to a JSON header (alg/typ/enc). */
export function containsJwt(text: string): boolean {
  // Most values (ids, hashes, names) have no dot: no JWT, and no regex scan of a long string.
  if (!text.includes('.')) return false;
  for (const match of text.matchAll(JWT_CANDIDATE)) {
    const header = match[0].split('.')[0]!;
    try {
      const decoded = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as unknown;
      if (decoded && typeof decoded === 'object' && !Array.isArray(decoded) && ('alg' in decoded || 'typ' in decoded || 'enc' in decoded)) return true;
    } catch {
      // not a JSON header
    }
  }
  return false;
}

function stringKind(text: string, name: string | undefined): SecretKind | undefined {
  if (containsJwt(text)) return 'jwt';
  if (name !== undefined && SECRET_NAME.test(name) && text !== '') return 'secret-field';
  if (name !== undefined && TOKEN_NAME.test(name) && !HASH_NAME.test(name) && looksRandom(text)) return 'token-field';
  if (BEARER.test(text)) return 'bearer';
  if (URL_CREDENTIAL.test(text)) return 'url-credential';
  if (PSC_PROFILE_TEXT.test(text)) return 'psc-profile';
  return undefined;
}

function formatPath(at: Array<string | number>): string {
  return at.reduce<string>((path, part) => (typeof part === 'number' ? `${path}[${part}]` : path ? `${path}.${part}` : part), '') || '(value)';
}

/** Where the scan is: the path to a value as a chain to its parent, made into segments only for a finding. */
interface Place {
  readonly parent: Place | undefined;
  readonly part: string | number;
}

function segmentsOf(place: Place | undefined): Array<string | number> {
  const at: Array<string | number> = [];
  for (let p = place; p; p = p.parent) at.push(p.part);
  return at.reverse();
}

/** Every secret in `value` (any JSON-like structure), with where it is. Never returns the secret itself. */
export function findSecrets(value: unknown): SecretFinding[] {
  const findings: SecretFinding[] = [];
  const seen = new WeakSet<object>();
  const add = (place: Place | undefined, kind: SecretKind): void => {
    const at = segmentsOf(place);
    findings.push({ path: formatPath(at), at, kind });
  };
  const visit = (node: unknown, place: Place | undefined, name: string | undefined, depth: number): void => {
    if (typeof node === 'string') {
      const kind = stringKind(node, name);
      if (kind) add(place, kind);
      return;
    }
    if (!node || typeof node !== 'object' || seen.has(node) || depth > 32) return;
    seen.add(node);
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) visit(node[i], { parent: place, part: i }, name, depth + 1);
      return;
    }
    if (Object.hasOwn(node, 'SubjectRefPro')) return add(place, 'psc-profile');
    const record = node as Record<string, unknown>;
    const keys = Object.keys(record);
    // A structure under a credential's name (an assertion, a token set) goes as a whole.
    if (name !== undefined && !HASH_NAME.test(name) && (SECRET_NAME.test(name) || TOKEN_NAME.test(name)) && keys.length) {
      return add(place, SECRET_NAME.test(name) ? 'secret-field' : 'token-field');
    }
    for (const key of keys) visit(record[key], { parent: place, part: key }, key, depth + 1);
  };
  visit(value, undefined, undefined, 0);
  return findings;
}

/** Throws an Error listing where secrets are (paths and kinds, never values) if findSecrets finds any. */
export function assertNoSecrets(value: unknown, label = 'value'): void {
  const findings = findSecrets(value);
  if (findings.length) {
    throw new Error(
      `${label}: expected no tokens, codes, secrets, assertions or PSC profiles, found ${findings.map((f) => `${f.kind} at ${f.path}`).join(', ')}`,
    );
  }
}
