/**
 * How the pilot groups sign-in methods (config/assurance.json names) for its figures:
 * synced passkey, hardware key, PSC card, PSC e-CPS, e-CPS followed by a key, other.
 * The grouping follows the method's name so that a method added to the policy still lands
 * in a group.
 */

export const METHOD_GROUPS = ['passkey', 'hardware-key', 'psc-card', 'psc-ecps', 'ecps-and-key', 'other'] as const;
export type MethodGroup = (typeof METHOD_GROUPS)[number];

export function methodGroup(method: string): MethodGroup {
  if (method === 'webauthn-synced') return 'passkey';
  if (method.startsWith('webauthn-')) return 'hardware-key';
  if (method === 'psc-card') return 'psc-card';
  if (method === 'psc-ecps') return 'psc-ecps';
  if (method.startsWith('psc-ecps+')) return 'ecps-and-key';
  return 'other';
}

/** Methods that went through Pro Santé Connect (the fall-back when a key fails). */
export function isPscMethod(method: string): boolean {
  return method.startsWith('psc-');
}
