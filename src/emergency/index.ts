export { generateCode, normalizeCode, codeDigest } from './code.ts';
export { createEmergencyCodes, type EmergencyCodes, type EmergencyGrant, type EmergencyRefusal, type Redemption } from './codes.ts';
export { issueEmergencyCode, type IssueDeps, type IssueInput, type IssueResult } from './issue.ts';
