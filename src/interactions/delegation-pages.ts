/**
 * Pro Santé Connect delegating a sign-in to the gateway ("PSC sans couture"), the clinician's
 * side. PSC is never offered as a way in (requirement.ts: keys only). Two pages send the
 * clinician back to PSC once they know what to do, PSC then getting an OAuth error through
 * the page's "back" form (abort.ts, unmet-reason.ts):
 *   GET /interaction/:uid/delegation/no-key   no key yet: how to enrol one (the establishment's
 *                                             usual sign-in, /account), then back to PSC
 *                                             (access_denied)
 *   GET /interaction/:uid/delegation/refused  the key used is not a means the policy accepts
 *                                             for delegation (unmet_authentication_requirements)
 * Both can be shown again (reload, language) without recording anything twice.
 */
import type { Request, RequestHandler } from 'express';
import { compareLevels, type Assurance, type Requirement } from '../assurance/index.ts';
import { sendPage } from '../http/page.ts';
import { gatewayProperties } from '../oidc/client-properties.ts';
import { firstTimeInInteraction, interactionFor, type InteractionDeps, type InteractionDetails } from './context.ts';
import { readUnmet, recordUnmet } from './unmet-reason.ts';
import { requirementOf } from './requirement.ts';

const summary = (r: Requirement) => ({ level: r.level, phishingResistant: r.phishingResistant, hardwareProtected: r.hardwareProtected });
const pageOf = (uid: string, page: 'no-key' | 'refused') => `/interaction/${encodeURIComponent(uid)}/delegation/${page}`;

/** A key that does not answer PSC: records why (for the OAuth error) and returns the page to show. */
export async function refuseForDelegation(
  deps: InteractionDeps,
  req: Request,
  details: InteractionDetails,
  idNat: string,
  level: Assurance,
  requirement: Requirement,
): Promise<string> {
  const { method, acr, phishingResistant } = level;
  await recordUnmet(deps, details.uid, { reason: 'means-not-accepted-for-delegation', method, acr, phishingResistant, requirement: summary(requirement) });
  await deps.audit.record(
    {
      type: 'delegation.refused',
      outcome: 'failure',
      actor: idNat,
      clientId: String(details.params.client_id),
      reason: 'means-not-accepted-for-delegation',
      details: { method, acr, phishingResistant },
    },
    req,
  );
  req.log.info({ uid: details.uid, idNat, method, acr, phishingResistant }, 'delegated sign-in refused: means not accepted for delegation');
  return pageOf(details.uid, 'refused');
}

/**
 * A delegated sign-in answered: `pairing` is "first" when this clinician was never sent to PSC
 * before (PSC shows its pairing screen); the first return after that is PSC's pairing kept.
 */
export async function recordDelegatedSignIn(
  deps: InteractionDeps,
  req: Request,
  common: { actor: string; clientId: string; profession?: string | undefined },
  assurance: Assurance,
): Promise<void> {
  const first = await deps.store.setIfAbsent(deps.keyNames.accountPart(common.actor, 'delegated-first'), String(deps.clock()));
  const { method, acr, amr } = assurance;
  await deps.audit.record(
    { type: 'delegation.succeeded', outcome: 'success', ...common, details: { method, acr, amr, pairing: first ? 'first' : 'repeat' } },
    req,
  );
  if (!first && (await deps.store.setIfAbsent(deps.keyNames.accountPart(common.actor, 'delegated-again'), String(deps.clock())))) {
    await deps.audit.record({ type: 'delegation.paired', outcome: 'success', actor: common.actor, clientId: common.clientId }, req);
  }
}

async function delegationInteraction(deps: InteractionDeps, req: Parameters<RequestHandler>[0], res: Parameters<RequestHandler>[1]) {
  const details = await interactionFor(deps.provider, req, res);
  const delegating = details.prompt.name === 'login' && gatewayProperties(await deps.provider.Client.find(String(details.params.client_id))).psc_delegation;
  return { details, delegating };
}

/** GET /interaction/:uid/delegation/no-key */
export function getDelegationNoKey(deps: InteractionDeps): RequestHandler {
  return async (req, res) => {
    const { details, delegating } = await delegationInteraction(deps, req, res);
    if (!delegating) {
      res.redirect(303, `/interaction/${encodeURIComponent(details.uid)}`);
      return;
    }
    await recordUnmet(deps, details.uid, { reason: 'no-key-for-delegation', requirement: summary(await requirementOf(deps, details)) });
    if (await firstTimeInInteraction(deps, details.uid, 'delegation-no-key')) {
      await deps.audit.record(
        { type: 'delegation.refused', outcome: 'failure', clientId: String(details.params.client_id), actor: details.session?.accountId, reason: 'no-key' },
        req,
      );
    }
    sendPage(deps.views, req, res, 'delegation-no-key', { uid: details.uid, accountUrl: `${deps.config.issuer}/account` });
  };
}

/** GET /interaction/:uid/delegation/refused */
export function getDelegationRefused(deps: InteractionDeps): RequestHandler {
  return async (req, res) => {
    const { details, delegating } = await delegationInteraction(deps, req, res);
    const unmet = delegating ? await readUnmet(deps, details.uid) : undefined;
    if (unmet?.reason !== 'means-not-accepted-for-delegation') {
      res.redirect(303, `/interaction/${encodeURIComponent(details.uid)}`);
      return;
    }
    const { level: asked } = unmet.requirement;
    const level = compareLevels(asked, deps.policy.delegation.minimumLevel) > 0 ? asked : deps.policy.delegation.minimumLevel;
    sendPage(
      deps.views,
      req,
      res,
      'delegation-refused',
      { uid: details.uid, accountUrl: `${deps.config.issuer}/account`, phishingResistant: unmet.phishingResistant, level },
      403,
    );
  };
}
