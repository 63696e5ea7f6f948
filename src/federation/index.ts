export { FederationError, classifyUpstreamError, oauthErrorFor, type FederationFailure } from './errors.ts';
export { createPscConfigurationSource, discoveryUrl, type PscConfigurationSource } from './psc-metadata.ts';
export { readPscTlsFiles, expiryWarning, PscClientCertificate, type PscTlsMaterial } from './psc-tls-files.ts';
export { createPscFetch, type PscFetch } from './psc-mtls.ts';
export { createPscFederation, type PscFederation, type PscLoginResult } from './psc-login.ts';
