/**
 * The state of one WebAuthn ceremony (its challenge, and for whom) under a key chosen by the
 * caller, with a TTL; taken (read and deleted atomically) when the response comes back, so a
 * challenge verifies at most one response.
 */
import { z } from 'zod';
import type { Store } from '../store/store.ts';
import { WebAuthnError } from './errors.ts';

export type CeremonyState =
  | { ceremony: 'registration'; challenge: string; idNat: string }
  | { ceremony: 'authentication'; challenge: string; forAccount?: string; forAccounts?: string[]; presenceOnly?: true };

const stateSchema = z.discriminatedUnion('ceremony', [
  z.object({ ceremony: z.literal('registration'), challenge: z.string().min(1), idNat: z.string().min(1) }),
  z.object({
    ceremony: z.literal('authentication'),
    challenge: z.string().min(1),
    forAccount: z.string().min(1).optional(),
    forAccounts: z.array(z.string().min(1)).optional(),
    presenceOnly: z.literal(true).optional(),
  }),
]);

/** Stores the state, replacing any earlier challenge under the same key. */
export async function saveCeremonyState(store: Store, ceremonyKey: string, state: CeremonyState, ttlSeconds: number): Promise<void> {
  await store.set(ceremonyKey, JSON.stringify(state), ttlSeconds);
}

/**
 * Takes the state of the expected ceremony, or throws 'challenge-expired' when there is none
 * (expired, already used, never issued, or issued for the other ceremony).
 */
export async function takeCeremonyState<C extends CeremonyState['ceremony']>(
  store: Store,
  ceremonyKey: string,
  ceremony: C,
): Promise<Extract<CeremonyState, { ceremony: C }>> {
  const raw = await store.take(ceremonyKey);
  if (raw === null) {
    throw new WebAuthnError('challenge-expired', `expected a pending ${ceremony} challenge, got none (expired, already used or never issued)`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  const state = stateSchema.safeParse(parsed);
  if (!state.success || state.data.ceremony !== ceremony) {
    const got = state.success ? `a ${state.data.ceremony} challenge` : 'unreadable state';
    throw new WebAuthnError('challenge-expired', `expected a pending ${ceremony} challenge, got ${got}`);
  }
  return state.data as Extract<CeremonyState, { ceremony: C }>;
}
