/**
 * findAccount and extraTokenClaims for the simulator's Provider: how the means chosen at
 * login reaches the claims, one login at a time (nothing shared between logins):
 *
 *   login form -> interactionFinished({ login: { acr, amr: ['authMode:CARD'] } })
 *     -> Session -> AuthorizationCode / RefreshToken (oidc-provider copies acr and amr)
 *     -> ID token `acr` (oidc-provider) and `authMode` (claims() reads the code's amr)
 *     -> AccessToken.extra.authMode (extraTokenClaims reads the code or refresh token)
 *     -> userinfo `authMode` (claims() reads the access token's extra).
 *
 * `amr` is only the carrier: it is not in the `claims` configuration, so oidc-provider never
 * releases it, like the real PSC where amr is absent.
 */
import type { AccessToken, Account, ClientCredentials, FindAccount, KoaContextWithOIDC } from 'oidc-provider';
import { pscClaims, pscSubject } from './claims.ts';
import type { AuthenticationOutcome } from './means.ts';
import type { Practitioner } from './practitioners.ts';

const AMR_PREFIX = 'authMode:';

type TokenLike = Parameters<FindAccount>[2];

/** The `login` part of the interaction result for a practitioner and an outcome. */
export function loginResult(practitioner: Practitioner, outcome: AuthenticationOutcome): { accountId: string; acr: string; amr?: string[] } {
  const login: { accountId: string; acr: string; amr?: string[] } = { accountId: pscSubject(practitioner), acr: outcome.acr };
  if (outcome.authMode !== undefined) login.amr = [`${AMR_PREFIX}${outcome.authMode}`];
  return login;
}

/** The authMode a token carries (code / refresh token: amr; access token: extra). */
export function authModeOf(token: TokenLike): string | undefined {
  if (!token) return undefined;
  if (token.kind === 'AccessToken') {
    const value = token.extra?.authMode;
    return typeof value === 'string' ? value : undefined;
  }
  const amr = 'amr' in token ? token.amr : undefined; // codes and refresh tokens carry it
  const carried = amr?.find((v) => v.startsWith(AMR_PREFIX));
  return carried?.slice(AMR_PREFIX.length);
}

/** oidc-provider `findAccount`: accountId is PSC's sub `f:<uuid>:<idNat>`. */
export function createFindAccount(practitioners: readonly Practitioner[]): FindAccount {
  const bySub = new Map(practitioners.map((p) => [pscSubject(p), p]));
  return function findAccount(_ctx, sub, token): Account | undefined {
    const practitioner = bySub.get(sub);
    if (!practitioner) return undefined;
    const authMode = authModeOf(token);
    return { accountId: sub, claims: () => ({ ...pscClaims(practitioner, authMode) }) };
  };
}

/** oidc-provider `extraTokenClaims`: stores the login's authMode on each access token. */
export function extraTokenClaims(ctx: KoaContextWithOIDC | undefined, token: AccessToken | ClientCredentials): { authMode: string } | undefined {
  if (token.kind !== 'AccessToken') return undefined;
  const entities = ctx?.oidc?.entities;
  const authMode = authModeOf(entities?.AuthorizationCode ?? entities?.RefreshToken);
  return authMode === undefined ? undefined : { authMode };
}
