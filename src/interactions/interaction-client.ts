/**
 * Which application an interaction was for, kept beyond the interaction itself (oidc-provider
 * deletes it when the sign-in finishes), for as long as an interaction lives: *Back* after a
 * finished sign-in, or an expired step, still gets an error page with a link to the application.
 */
import type { Provider } from 'oidc-provider';
import type { BackLink } from '../http/back-link.ts';
import { backLinkOfClient } from '../oidc/client-home.ts';
import type { InteractionDeps } from './context.ts';

const NAME = 'client' as const;

/** Records the interaction's client_id (first page of the interaction; later pages keep it). */
export async function rememberInteractionClient(deps: InteractionDeps, uid: string, clientId: string): Promise<void> {
  await deps.journey.setIfAbsent(uid, NAME, clientId);
}

/** The way back to the application of interaction `uid`, when it is still known. */
export async function interactionBackLink(deps: Pick<InteractionDeps, 'journey'> & { provider: Provider }, uid: string): Promise<BackLink | undefined> {
  const clientId = await deps.journey.get(uid, NAME);
  return clientId === undefined ? undefined : backLinkOfClient(await deps.provider.Client.find(clientId));
}
