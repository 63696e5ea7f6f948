/**
 * Each event type's details are typed (details.ts): the typecheck refuses an event recorded
 * without the details its type always has, or with members or values it does not have.
 * The `@ts-expect-error` lines are the test; running it only checks the events pass through.
 */
import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import type { AuditInput } from './types.ts';

const typed = (input: AuditInput): AuditInput => input;

describe('audit details typed per event type', () => {
  it('accepts the details an event type has, and refuses others at typecheck', () => {
    const events = [
      typed({ type: 'stepup.met', outcome: 'success', details: { method: 'psc-card', acr: 'eidas3', attempt: 'a1' } }),
      typed({ type: 'logout.front', outcome: 'success' }),
      // @ts-expect-error: details missing (a step-up met always says how)
      typed({ type: 'stepup.met', outcome: 'success' }),
      // @ts-expect-error: a member of another event type's details
      typed({ type: 'stepup.met', outcome: 'success', details: { method: 'psc-card', acr: 'eidas3', keyName: 'Clé' } }),
      // @ts-expect-error: a level outside the gateway's ladder
      typed({ type: 'stepup.met', outcome: 'success', details: { method: 'psc-card', acr: 'eidas4' } }),
      // @ts-expect-error: a value of the wrong type
      typed({ type: 'key.offered', outcome: 'info', details: { required: 'yes' } }),
    ];
    assert.equal(events.length, 6);
  });
});
