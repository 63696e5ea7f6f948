/**
 * What the interaction routes share: the provider, the domain modules and the store, plus
 * `interactionFor`, which loads the interaction of this browser and checks that it is the
 * one in the URL (the interaction cookie is scoped to /interaction/<uid>).
 */
import type { Request, Response } from 'express';
import type Provider from 'oidc-provider';
import type { Config } from '../config/index.ts';
import type { AccountRepository } from '../accounts/index.ts';
import type { AssurancePolicy, SessionAssuranceStore } from '../assurance/index.ts';
import type { PscFederation } from '../federation/index.ts';
import type { Store } from '../store/store.ts';
import type { KeyNames } from '../store/key-names.ts';
import type { Views } from '../http/views.ts';
import type { RequestAudit } from '../http/audit.ts';
import type { AbuseLimits } from '../limits/index.ts';
import type { CredentialRepository, WebAuthnDeps } from '../webauthn/index.ts';
import type { MeansNotices } from '../means/index.ts';
import type { JourneyState } from './journey-state.ts';
import { UserFacingError } from '../http/errors.ts';

export interface InteractionDeps {
  config: Config;
  provider: Provider;
  accounts: AccountRepository;
  policy: AssurancePolicy;
  psc: PscFederation;
  store: Store;
  keyNames: KeyNames;
  /** The values kept under the interaction between the requests of a sign-in (journey-state.ts). */
  journey: JourneyState;
  views: Views;
  credentials: CredentialRepository;
  /** The sessions' assurance records (an authentication ended while its pages were open cannot finish). */
  sessions: SessionAssuranceStore;
  /** What the webauthn module's ceremonies need (webauthn/deps.ts, built once at start-up), over the same repository as `credentials`. */
  webauthn: WebAuthnDeps;
  audit: RequestAudit;
  limits: AbuseLimits;
  /** Notices of changes to the clinician's means (shown once at sign-in). */
  notices: MeansNotices;
  /** The gateway's clock (epoch ms): the time of an authentication, as the session lifetimes count it. */
  clock: () => number;
  /** Key of the CSRF tokens of the journey's forms (the newest cookie key). */
  csrfSecret: string;
}

export type InteractionDetails = Awaited<ReturnType<Provider['interactionDetails']>>;

/** What an interaction uid looks like (anything else is refused before any lookup). */
export const INTERACTION_UID = /^[A-Za-z0-9_-]{10,64}$/;

export async function interactionFor(provider: Provider, req: Request, res: Response): Promise<InteractionDetails> {
  const uid = String(req.params.uid ?? '');
  if (!INTERACTION_UID.test(uid)) throw new UserFacingError(400, 'interaction_expired', 'malformed interaction uid');
  let details: InteractionDetails;
  try {
    details = await provider.interactionDetails(req, res);
  } catch (err) {
    if ((err as { name?: string }).name === 'SessionNotFound') {
      throw new UserFacingError(400, 'interaction_expired', 'no interaction for this browser', { cause: err });
    }
    throw err;
  }
  if (details.uid !== uid) throw new UserFacingError(400, 'interaction_expired', 'interaction cookie does not match the URL');
  return details;
}

/** Name of the cookie binding a PSC round trip to this browser (one per state, so tabs do not collide). */
export function pscBindingCookie(stateDigest: string): string {
  return `hc_psc_${stateDigest}`;
}

/** True the first time a marker is set for this interaction (page reloads record nothing twice). */
export async function firstTimeInInteraction(deps: InteractionDeps, uid: string, marker: string): Promise<boolean> {
  return deps.journey.firstTime(uid, marker);
}
