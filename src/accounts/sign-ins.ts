/**
 * The recent sign-ins of a practitioner, newest first, kept short (shown in /account so a
 * clinician can spot a sign-in that was not theirs). Not the audit trail: a convenience view.
 */
import type { Store } from '../store/store.ts';
import type { Keys } from '../store/keys.ts';

export interface SignIn {
  /** Epoch ms. */
  at: number;
  clientId: string;
  /** Assurance method, e.g. psc-card, webauthn-synced. */
  method: string;
  acr: string;
  /** Name of the key used, for WebAuthn sign-ins. */
  keyName?: string;
}

export const SIGN_INS_KEPT = 20;

export interface SignInLog {
  record(idNat: string, signIn: SignIn): Promise<void>;
  recent(idNat: string, count?: number): Promise<SignIn[]>;
}

export function createSignInLog(store: Store, keys: Keys): SignInLog {
  const key = (idNat: string) => keys.accountPart(idNat, 'sign-ins');
  return {
    record: (idNat, signIn) => store.pushCapped(key(idNat), JSON.stringify(signIn), SIGN_INS_KEPT),
    async recent(idNat, count = 10) {
      return (await store.lrange(key(idNat), 0, count - 1)).map((raw) => JSON.parse(raw) as SignIn);
    },
  };
}
