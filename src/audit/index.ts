/**
 * The audit trail's public API: vocabulary and catalogue, canonical JSON and the chain, the
 * logs (Redis, memory), the recorder and its mirror, sources, redaction, export, retention,
 * search (an index kept with the stream) and its rebuild.
 */
export {
  AUDIT_EVENT_TYPES,
  type AuditDetailsOf,
  type AuditEnvelope,
  type AuditEvent,
  type AuditEventType,
  type AuditInput,
  type AuditInputOf,
  type AuditOutcome,
  type AuditRecorder,
  type AuditSource,
  type StoredAuditInput,
} from './types.ts';
export type { AuditDetailValue, AuditDetailsByType, StoredAuditDetails } from './details.ts';
export { AUDIT_CATALOGUE, type CatalogueEntry } from './catalogue.ts';
export { canonical, canonicalObject, canonicalWithMember, toJsonValue, type JsonValue } from './canonical.ts';
export {
  MIN_MAC_KEY_LENGTH,
  assertMacKey,
  macFor,
  hasValidMac,
  linkEvents,
  chainEvents,
  trimPointMac,
  isAuthenticTrimPoint,
  verifyChain,
  checkCheckpoint,
  type AuditEventBody,
  type AuditTrimPoint,
  type ChainHead,
  type ChainProblem,
  type ChainVerification,
  type UnsignedAuditEvent,
  type VerifyChainOptions,
  type VerifiedRun,
} from './chain.ts';
export { AuditLogFormatError, type AuditLog, type AuditRangeOptions, type AuditTrimOptions } from './log.ts';
export { createMemoryAuditLog, type MemoryAuditLogOptions } from './memory-log.ts';
export { createRedisAuditLog, STREAM_TIME_SLACK_MS, type RedisAuditLogOptions } from './redis-log.ts';
export { verifyLog, VerifyUsageError, type VerifyLogOptions, type VerifyLogResult } from './verify-log.ts';
export { createAuditRecorder, createAuditMirrorLogger, auditBody, type AuditRecorderOptions } from './recorder.ts';
export { auditSourceFrom, reduceIp, normalizeIp, summarizeUserAgent, USER_AGENT_SUMMARY_MAX, type AuditRequestLike, type IpPolicy } from './source.ts';
export { findSecrets, assertNoSecrets, looksRandom, containsJwt, type SecretFinding, type SecretKind } from './redact.ts';
export { toJsonl, parseJsonl, toCsv, csvCell, CSV_COLUMNS } from './export.ts';
export { trimExpired, type TrimExpiredOptions, type TrimExpiredResult } from './retention.ts';
export { DEFAULT_PAGE, MAX_PAGE, matchesQuery, type AuditMatches, type AuditPageRequest, type AuditQuery, type AuditSearchResult } from './search.ts';
export { POSITION_PATTERN, parsePosition, type AuditPosition } from './positions.ts';
export { reindexAuditTrail, checkIndex, type IndexCheck, type ReindexOptions, type ReindexResult } from './redis-reindex.ts';
