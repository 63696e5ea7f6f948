/**
 * Authentication means offered on the simulator's login page, and what each one yields:
 * PSC's `authMode` claim and the `acr` level. Tester overrides (forced acr, unknown or
 * absent authMode) are resolved here too, into the one AuthenticationOutcome of a login.
 */

/** PSC's `authMode` for the CPS smart card (observed in production). */
export const AUTH_MODE_CARD = 'CARD';

/**
 * PSC's `authMode` for the e-CPS mobile app. UNCONFIRMED: public material only shows
 * `CARD` (reference/psc.md). If the real value turns out different, change it here only.
 */
export const AUTH_MODE_ECPS = 'MOBILE';

/** A value PSC is not known to send, so the gateway's handling of unknown modes can be tested. */
export const AUTH_MODE_UNKNOWN = 'OTHER';

/** Levels PSC advertises and returns, lowest first. */
export const ACR_VALUES = ['eidas1', 'eidas2', 'eidas3'] as const;
export type Acr = (typeof ACR_VALUES)[number];

export interface Means {
  /** Form value (stable, independent of the authMode spelling). */
  id: 'card' | 'ecps';
  /** Label on the login page. */
  label: string;
  /** Hint under the label. */
  hint: string;
  authMode: string;
  acr: Acr;
}

export const MEANS: readonly Means[] = [
  { id: 'card', label: 'Carte CPS', hint: 'Carte professionnelle de santé et code PIN (niveau eidas3).', authMode: AUTH_MODE_CARD, acr: 'eidas3' },
  {
    id: 'ecps',
    label: 'Application e-CPS',
    hint: 'Validation sur le téléphone avec l’application e-CPS (niveau eidas2).',
    authMode: AUTH_MODE_ECPS,
    acr: 'eidas2',
  },
];

/** Tester overrides of the advanced options. */
export const AUTH_MODE_OVERRIDES = ['', 'unknown', 'absent'] as const;
export type AuthModeOverride = (typeof AUTH_MODE_OVERRIDES)[number];

/** What a login produced: the ID token's `acr` and the `authMode` claim (absent when undefined). */
export interface AuthenticationOutcome {
  acr: Acr;
  authMode: string | undefined;
}

/** Combines the chosen means with the tester's overrides. */
export function authenticationOutcome(means: Means, forcedAcr: Acr | '', authModeOverride: AuthModeOverride): AuthenticationOutcome {
  const authMode = authModeOverride === 'unknown' ? AUTH_MODE_UNKNOWN : authModeOverride === 'absent' ? undefined : means.authMode;
  return { acr: forcedAcr || means.acr, authMode };
}
