/**
 * Pro Santé Connect simulator: a separate OpenID provider reproducing PSC's contract
 * (reference/psc.md) for `npm start` (port 3001) and the gateway's tests (any free port).
 */
export { startPscSimulator, type PscSimulator, type PscSimulatorOptions } from './start.ts';
export type { PscFaults } from './faults.ts';
export { PSC_SESSION, type PscClient, type PscSessionLifetimes } from './provider.ts';
export type { ListenTls as PscSimulatorTls } from './listen.ts';
export { ID_TOKEN_FAULTS, type IdTokenFault } from './corrupt-id-token.ts';
export { AUTH_MODE_CARD, AUTH_MODE_ECPS, AUTH_MODE_UNKNOWN, ACR_VALUES, MEANS, type Acr } from './means.ts';
export { LOGIN_FIELDS } from './login-form.ts';
export { ENDPOINTS, ISSUER_PATH, WALLET_DISCOVERY_PATH, AUTH_ALIAS_PATH } from './paths.ts';
export { loadPractitioners, DEFAULT_PRACTITIONERS_FILE, PractitionerFixtureError, type Practitioner } from './practitioners.ts';
export { pscClaims, pscSubject, type PscClaims } from './claims.ts';
export { brokerPaths, DEFAULT_PAIRING_LIFETIME_SECONDS, AUTH_MODE_DELEGATION, type PscDelegationOptions } from './delegation/options.ts';
