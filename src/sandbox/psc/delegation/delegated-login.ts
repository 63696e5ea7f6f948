/**
 * What PSC keeps of a delegated sign-in and how its own tokens follow from it: the
 * establishment's ID token must carry `oid`, `tid`, `acr` (eidas2 or eidas3) and an `amr`
 * of accepted values including `mfa`; PSC's own `acr` is the delegated one and its `amr` the
 * delegated values (accounts.ts carries them with `authMode:DELEGATION`).
 */
import { ACCEPTED_AMR } from './options.ts';

export interface DelegatedLogin {
  oid: string;
  tid: string;
  /** The establishment IdP's subject (opaque). */
  sub: string;
  acr: 'eidas2' | 'eidas3';
  amr: string[];
  authTime: number | undefined;
}

/** Checks the establishment's ID token claims; a French reason when PSC must refuse them. */
export function delegatedLogin(claims: Record<string, unknown>): { ok: true; login: DelegatedLogin } | { ok: false; reason: string } {
  const { oid, tid, sub, acr, amr, auth_time: authTime } = claims;
  if (typeof oid !== 'string' || !oid || typeof tid !== 'string' || !tid || typeof sub !== 'string') {
    return { ok: false, reason: 'Le fournisseur d’identité de l’établissement n’a pas envoyé les identifiants oid et tid.' };
  }
  const values = Array.isArray(amr) ? amr.filter((v): v is string => typeof v === 'string') : [];
  if (!values.includes('mfa') || values.some((v) => !ACCEPTED_AMR.has(v))) {
    return {
      ok: false,
      reason: `Le moyen utilisé dans l’établissement (amr : ${values.join(', ') || 'absent'}) n’est pas une authentification à deux facteurs acceptée par Pro Santé Connect.`,
    };
  }
  if (acr !== 'eidas2' && acr !== 'eidas3') {
    return { ok: false, reason: `Le niveau de l’authentification dans l’établissement (acr : ${String(acr ?? 'absent')}) est insuffisant.` };
  }
  return { ok: true, login: { oid, tid, sub, acr, amr: values, authTime: typeof authTime === 'number' ? authTime : undefined } };
}
