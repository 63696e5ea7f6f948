/**
 * Mutual TLS client authentication (tls_client_auth, RFC 8705) as PSC requires it in the
 * "Espace de Confiance": oidc-provider's features.mTLS reading the simulator's own TLS socket
 * (it asks every client for a certificate and checks it against the CA it was given, but lets
 * the handshake through so that oidc-provider answers invalid_client), the subject DN compared
 * with the registered tls_client_auth_subject_dn, and the mtls_endpoint_aliases Keycloak publishes
 * (the same URLs: one listener serves both).
 */
import { X509Certificate } from 'node:crypto';
import { TLSSocket } from 'node:tls';
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import { ENDPOINTS } from './paths.ts';

type MtlsFeature = NonNullable<NonNullable<Configuration['features']>['mTLS']>;

function tlsSocket(ctx: KoaContextWithOIDC): TLSSocket | undefined {
  const socket = ctx.req.socket;
  return socket instanceof TLSSocket ? socket : undefined;
}

function peerCertificate(ctx: KoaContextWithOIDC): X509Certificate | undefined {
  const raw = tlsSocket(ctx)?.getPeerCertificate(false)?.raw;
  return raw ? new X509Certificate(raw) : undefined;
}

/** `\,` → `,` and `\C3\A9` → `é` (RFC 4514 escapes, which Node also uses for commas). */
function unescapeValue(value: string): string {
  return value.replace(/((?:\\[0-9a-fA-F]{2})+)|\\(.)/g, (_, hex: string | undefined, char: string | undefined) =>
    hex ? Buffer.from(hex.replaceAll('\\', ''), 'hex').toString('utf8') : char!,
  );
}

/** One RDN as `TYPE=value[+TYPE=value]`: types upper-cased, values unescaped, multi-valued RDNs sorted. */
function normalizeRdn(rdn: string): string {
  return rdn
    .split(/\s*(?<!\\)\+\s*/)
    .map((ava) => {
      const at = ava.indexOf('=');
      return `${ava.slice(0, at).trim().toUpperCase()}=${unescapeValue(ava.slice(at + 1).trim())}`;
    })
    .sort()
    .join('+');
}

/**
 * RDNs most significant (C) first: a certificate subject as Node prints it (one RDN per line),
 * or an RFC 4514 string such as tls_client_auth_subject_dn (which lists them last first).
 */
export function dnParts(dn: string, order: 'rfc4514' | 'certificate'): string[] {
  const rdns = order === 'certificate' ? dn.split('\n') : dn.split(/(?<!\\),/).reverse();
  return rdns.filter((rdn) => rdn.trim()).map(normalizeRdn);
}

export function subjectMatches(certificate: X509Certificate, expectedDn: string): boolean {
  const actual = dnParts(certificate.subject, 'certificate');
  const expected = dnParts(expectedDn, 'rfc4514');
  return actual.length === expected.length && actual.every((part, i) => part === expected[i]);
}

export const MTLS_FEATURE: MtlsFeature = {
  enabled: true,
  tlsClientAuth: true,
  getCertificate: (ctx) => peerCertificate(ctx)?.toString(),
  // The socket verified the chain against the simulator's client CA (https server option `ca`).
  certificateAuthorized: (ctx) => tlsSocket(ctx)?.authorized === true,
  certificateSubjectMatches: (ctx, property, expected) => {
    const certificate = peerCertificate(ctx);
    return property === 'tls_client_auth_subject_dn' && certificate !== undefined && subjectMatches(certificate, expected);
  },
};

/** Discovery's mtls_endpoint_aliases, as Keycloak publishes them. */
export function mtlsEndpointAliases(issuer: string): Record<string, string> {
  return {
    token_endpoint: `${issuer}${ENDPOINTS.token}`,
    userinfo_endpoint: `${issuer}${ENDPOINTS.userinfo}`,
    introspection_endpoint: `${issuer}${ENDPOINTS.introspection}`,
    revocation_endpoint: `${issuer}${ENDPOINTS.revocation}`,
  };
}
