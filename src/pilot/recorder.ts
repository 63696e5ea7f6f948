/**
 * The audit recorder of the gateway and of its commands: every chained event also goes to
 * the pilot's aggregates, so that no recorder can be made that the figures would miss.
 */
import { createAuditRecorder, type AuditRecorderOptions } from '../audit/index.ts';
import type { AuditEvent, AuditRecorder } from '../audit/types.ts';
import type { KeyNames, Store } from '../store/index.ts';
import { createPilotAggregates, type PilotAggregatesOptions } from './aggregates.ts';

export function createPilotFedRecorder(
  options: Omit<AuditRecorderOptions, 'onRecorded'>,
  store: Store,
  keyNames: KeyNames,
  also?: (event: AuditEvent) => Promise<void>,
  pilot: PilotAggregatesOptions = {},
): AuditRecorder {
  const aggregates = createPilotAggregates(store, keyNames, pilot);
  return createAuditRecorder({
    ...options,
    onRecorded: async (event) => {
      await Promise.all([aggregates.apply(event), also?.(event)]);
    },
  });
}
