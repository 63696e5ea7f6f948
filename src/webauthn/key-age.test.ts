import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { keyAge, keyDue, lastConfirmedAt } from './key-age.ts';

const DAY = 86_400_000;
const policy = { maxKeyAgeDays: 1095, warnDays: 30 };
const created = Date.UTC(2024, 0, 1);

describe('key age', () => {
  it('counts from the latest of enrolment, binding and confirmation', () => {
    assert.equal(lastConfirmedAt({ createdAt: created }), created);
    assert.equal(lastConfirmedAt({ createdAt: created, confirmedAt: created + 5 * DAY }), created + 5 * DAY);
    const binding = {
      assurance: { method: 'psc-card', acr: 'eidas3' as const, amr: ['sc'], phishingResistant: true, hardwareProtected: true },
      at: created + 9 * DAY,
      by: 'sign-in' as const,
    };
    assert.equal(lastConfirmedAt({ createdAt: created, confirmedAt: created + 5 * DAY, binding }), created + 9 * DAY);
  });

  it('is current, then due soon within the warning window, then expired at the maximum age', () => {
    const dueAt = created + 1095 * DAY;
    assert.deepEqual(keyAge({ createdAt: created }, dueAt - 31 * DAY, policy), { state: 'current', dueAt });
    assert.deepEqual(keyAge({ createdAt: created }, dueAt - 30 * DAY, policy), { state: 'due-soon', dueAt, daysLeft: 30 });
    assert.deepEqual(keyAge({ createdAt: created }, dueAt - 1, policy), { state: 'due-soon', dueAt, daysLeft: 1 });
    assert.deepEqual(keyAge({ createdAt: created }, dueAt, policy), { state: 'expired', dueAt });
    assert.equal(keyDue({ createdAt: created }, dueAt - 31 * DAY, policy), false);
    assert.equal(keyDue({ createdAt: created }, dueAt, policy), true);
  });

  it('restarts after a confirmation', () => {
    const now = created + 1200 * DAY;
    assert.equal(keyAge({ createdAt: created }, now, policy).state, 'expired');
    assert.equal(keyAge({ createdAt: created, confirmedAt: now }, now, policy).state, 'current');
  });

  it('follows a shorter maximum age chosen by the establishment', () => {
    assert.equal(keyAge({ createdAt: created }, created + 365 * DAY, { maxKeyAgeDays: 365, warnDays: 30 }).state, 'expired');
  });
});
