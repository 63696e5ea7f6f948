/**
 * Which application an interaction was for, kept beyond the interaction itself (oidc-provider
 * deletes it when the sign-in finishes), for as long as an interaction lives: *Back* after a
 * finished sign-in, or an expired step, still gets an error page with a link to the application.
 */
import type { Provider } from 'oidc-provider';
import type { BackLink } from '../http/back-link.ts';
import { backLinkOfClient } from '../oidc/client-home.ts';
import type { InteractionDeps } from './context.ts';

const NAME = 'client';

/** Records the interaction's client_id (first page of the interaction; later pages keep it). */
export async function rememberInteractionClient(deps: InteractionDeps, uid: string, clientId: string): Promise<void> {
  await deps.store.setIfAbsent(deps.keys.interaction(uid, NAME), clientId, deps.config.ttl.interaction);
}

/** The way back to the application of interaction `uid`, when it is still known. */
export async function interactionBackLink(deps: Pick<InteractionDeps, 'store' | 'keys'> & { provider: Provider }, uid: string): Promise<BackLink | undefined> {
  const clientId = await deps.store.get(deps.keys.interaction(uid, NAME));
  return clientId === null ? undefined : backLinkOfClient(await deps.provider.Client.find(clientId));
}
