/**
 * A session's record, by its uid (KeyNames.sessionRecord): one text of two parts (text-parts.ts),
 * so that a session costs one key in Redis for both, where it cost two (the uid index alone was
 * 168 B per session, measured). Each part has its own writer, and neither undoes the other's
 * (StoreBatch.setPart):
 * - its assurance (assurance/session-assurance.ts), written at each authorization and activity;
 * - the id of its oidc-provider Session (store/oidc-adapter.ts: findByUid), written with the
 *   Session, whose id changes while its uid stays (oidc-provider regenerates it at each new
 *   authentication and partial logout).
 * A text with its assurance alone is that assurance as it is: what the releases before the
 * fourteenth round read. They kept the id in a key of its own (KeyNames.sessionUid), which this
 * release writes instead within the window after an upgrade (legacy-records.ts 'session-ids'),
 * and reads as well, in the same command, for as long as one may live.
 */
export const SESSION_ASSURANCE_PART = 0;
export const SESSION_ID_PART = 1;
