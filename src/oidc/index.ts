export { createProvider, OIDC_ROUTES, type ProviderDeps } from './provider.ts';
export { loadClientsFile, toClientMetadata, type ClientMetadata } from './clients.ts';
export { clientPlaceholders, type ClientPlaceholders } from './client-placeholders.ts';
export { CLAIMS, SCOPES, PSC_PROFESSIONAL_CLAIMS } from './claims-config.ts';
export { gatewayProperties, type GatewayClientProperties } from './client-properties.ts';
