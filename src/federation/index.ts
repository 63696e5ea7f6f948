export { FederationError, classifyUpstreamError, oauthErrorFor, type FederationFailure } from './errors.ts';
export { createPscConfigurationSource, discoveryUrl, type PscConfigurationSource } from './psc-metadata.ts';
export { createPscFederation, type PscFederation, type PscLoginResult } from './psc-login.ts';
