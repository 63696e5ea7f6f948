/**
 * Options for navigator.credentials.get(). Without `forAccount`: no allowCredentials, so
 * discoverable credentials (passwordless, conditional UI/autofill, phone over hybrid) pick
 * the account through their user handle. With `forAccount` (second factor after PSC): only
 * that account's credentials that are not blocked. Stores the challenge under the caller's
 * ceremony key, replacing any earlier one.
 */
import { generateAuthenticationOptions, type PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { saveCeremonyState } from './ceremony-state.ts';
import type { WebAuthnDeps } from './deps.ts';
import { WebAuthnError } from './errors.ts';
import { assertIdNat } from './ids.ts';

export interface AuthenticationOptionsInput {
  /** Where the challenge is kept until verifyAuthentication (e.g. keyNames.interaction(uid, 'webauthn-auth')). */
  ceremonyKey: string;
  /** idNat whose keys alone may answer (second factor); omit for passwordless sign-in. */
  forAccount?: string | undefined;
  /**
   * idNats whose keys alone may answer, any of them (quick re-authentication: the clinicians
   * with an open pass on this workstation). Throws 'no-credentials' when none has a usable key.
   */
  forAccounts?: readonly string[] | undefined;
  /** With `forAccount`: only this one of its credentials (confirming a given key, e.g. to raise its binding). */
  onlyCredential?: string | undefined;
  /**
   * Ask for user presence only (a touch), not user verification: quick re-authentication at a
   * shared workstation. Recorded with the challenge, so that only this ceremony accepts an
   * assertion without UV; every other one requires it.
   */
  presenceOnly?: boolean | undefined;
}

/**
 * Throws 'no-credentials' when `forAccount` has no usable credential (none enrolled, or all
 * blocked): an empty allowCredentials would let the browser offer any passkey.
 */
export async function createAuthenticationOptions(deps: WebAuthnDeps, input: AuthenticationOptionsInput): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const { store, settings, credentials } = deps;
  let allowCredentials: { id: string; transports: string[] }[] | undefined;
  if (input.forAccount !== undefined) {
    assertIdNat(input.forAccount);
    const usable = (await credentials.listUsable(input.forAccount)).filter(
      (credential) => input.onlyCredential === undefined || credential.id === input.onlyCredential,
    );
    if (usable.length === 0) {
      throw new WebAuthnError('no-credentials', `expected account ${input.forAccount} to have at least one usable credential for a second factor, got none`);
    }
    allowCredentials = usable.map((credential) => ({ id: credential.id, transports: credential.transports }));
  }
  if (input.forAccounts !== undefined) {
    input.forAccounts.forEach(assertIdNat);
    const usable = (await Promise.all(input.forAccounts.map((idNat) => credentials.listUsable(idNat)))).flat();
    if (usable.length === 0) {
      throw new WebAuthnError('no-credentials', `expected one of ${input.forAccounts.length} account(s) to have a usable credential, got none`);
    }
    allowCredentials = usable.map((credential) => ({ id: credential.id, transports: credential.transports }));
  }
  const options = await generateAuthenticationOptions({
    rpID: settings.rpID,
    timeout: settings.timeoutMs,
    userVerification: input.presenceOnly ? 'discouraged' : 'required',
    ...(allowCredentials ? { allowCredentials } : {}),
  });
  await saveCeremonyState(
    store,
    input.ceremonyKey,
    {
      ceremony: 'authentication',
      challenge: options.challenge,
      ...(input.forAccount === undefined ? {} : { forAccount: input.forAccount }),
      ...(input.forAccounts === undefined ? {} : { forAccounts: [...input.forAccounts] }),
      ...(input.presenceOnly ? { presenceOnly: true as const } : {}),
    },
    settings.challengeTtlSeconds,
  );
  return options;
}
