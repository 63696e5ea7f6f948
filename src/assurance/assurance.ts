/**
 * What one authentication proved: the method used, the level reached (`acr`), the methods
 * references (`amr`, RFC 8176) and whether it resists phishing (OpenID EAP `phr`) and is
 * also hardware-protected (`phrh`). The one type of it: a sign-in, a pending login, a
 * session's record and a key's binding all carry this.
 */
import type { Level } from './levels.ts';

export interface Assurance {
  /** Method name in the policy (config/assurance.json), e.g. `psc-card`, `webauthn-device`. */
  method: string;
  /** The level reached, never the level asked for. */
  acr: Level;
  amr: string[];
  phishingResistant: boolean;
  /** Phishing-resistant and hardware-protected (OpenID EAP `phrh`). */
  hardwareProtected: boolean;
}

/** The three things a requirement compares. */
export type Strength = Pick<Assurance, 'acr' | 'phishingResistant' | 'hardwareProtected'>;

/** The five fields alone, copied out of a record that carries more (a session record, a login). */
export function assuranceOf(value: Assurance): Assurance {
  const { method, acr, amr, phishingResistant, hardwareProtected } = value;
  return { method, acr, amr: [...amr], phishingResistant, hardwareProtected };
}
