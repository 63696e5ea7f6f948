/**
 * The journey's state: what each value reads back, that a value failing its schema is absent
 * (and logged once, not thrown), that take is single use, and that the values live as long as
 * the interaction (the PSC result as long as a PSC round trip).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { createMemoryStore } from '../store/memory-store.ts';
import { createKeyNames } from '../store/key-names.ts';
import { createJourneyState, type VerifiedLogin } from './journey-state.ts';

const LIFETIMES = { interaction: 1800, pscRoundTrip: 600 };
const UID = 'interaction-uid-1';
const LOGIN: VerifiedLogin = {
  accountId: '810000000001',
  authTime: 1_700_000_000_000,
  assurance: { method: 'psc-card', acr: 'eidas3', amr: ['pop', 'pin'], phishingResistant: true, hardwareProtected: true },
};

function fixture() {
  let now = 1_700_000_000_000;
  const store = createMemoryStore({ now: () => now });
  const keyNames = createKeyNames('t:');
  const warnings: Array<{ fields: Record<string, unknown>; message: string }> = [];
  const journey = createJourneyState({ store, keyNames, lifetimes: LIFETIMES, logger: { warn: (fields, message) => warnings.push({ fields, message }) } });
  return {
    store,
    keyNames,
    journey,
    warnings,
    elapse: (seconds: number) => {
      now += seconds * 1000;
    },
  };
}

describe('journey state', () => {
  it('reads back what was written, stored as before (text as is, records as JSON)', async () => {
    const { store, keyNames, journey } = fixture();
    await journey.set(UID, 'psc-failure', 'unavailable');
    await journey.set(UID, 'pending-login', { step: 'second-factor', login: LOGIN });
    assert.equal(await store.get(keyNames.interaction(UID, 'psc-failure')), 'unavailable');
    assert.deepEqual(JSON.parse((await store.get(keyNames.interaction(UID, 'pending-login')))!), { step: 'second-factor', login: LOGIN });
    assert.equal(await journey.get(UID, 'psc-failure'), 'unavailable');
    assert.deepEqual(await journey.get(UID, 'pending-login'), { step: 'second-factor', login: LOGIN });
  });

  it('treats a value failing its schema as absent, logs it once by name without its content, and throws nothing', async () => {
    const { store, keyNames, journey, warnings } = fixture();
    await store.set(keyNames.interaction(UID, 'pending-login'), JSON.stringify({ step: 'enrol', login: { accountId: '810000000001', authTime: 'yesterday' } }));
    await store.set(keyNames.interaction(UID, 'psc-result'), '{not json');
    await store.set(keyNames.interaction(UID, 'psc-failure'), 'exploded');
    await store.set(keyNames.interaction(UID, 'abort-reason'), JSON.stringify({ reason: 'because' }));
    assert.equal(await journey.get(UID, 'pending-login'), undefined);
    assert.equal(await journey.get(UID, 'pending-login'), undefined);
    assert.equal(await journey.take(UID, 'psc-result'), undefined);
    assert.equal(await journey.get(UID, 'psc-failure'), undefined);
    assert.equal(await journey.get(UID, 'abort-reason'), undefined);
    assert.deepEqual(
      warnings.map((w) => w.fields.value),
      ['pending-login', 'psc-result', 'psc-failure', 'abort-reason'],
      'one line per refused value, however often it is read',
    );
    assert.match(String(warnings[0]!.fields.issue), /^login\.authTime: /);
    assert.doesNotMatch(JSON.stringify(warnings), /yesterday|exploded|because/, 'the refused content is not logged');
  });

  it('take is single use: the second take and a get find nothing', async () => {
    const { journey } = fixture();
    await journey.set(UID, 'psc-result', LOGIN);
    assert.deepEqual(await journey.take(UID, 'psc-result'), LOGIN);
    assert.equal(await journey.take(UID, 'psc-result'), undefined);
    assert.equal(await journey.get(UID, 'psc-result'), undefined);
  });

  it("keeps values for the interaction's lifetime (the PSC result for a round trip's), then they are gone", async () => {
    const { store, keyNames, journey, elapse } = fixture();
    await journey.set(UID, 'abort-reason', {
      reason: 'no-means-reaches-the-level',
      requirement: { level: 'eidas3', phishingResistant: false, hardwareProtected: false },
    });
    assert.equal(await journey.setIfAbsent(UID, 'client', 'rp-1'), true);
    assert.equal(await journey.setIfAbsent(UID, 'client', 'rp-2'), false);
    assert.equal(await journey.firstTime(UID, 'offered'), true);
    assert.equal(await journey.firstTime(UID, 'offered'), false);
    await journey.set(UID, 'psc-result', LOGIN);
    for (const name of ['abort-reason', 'client', 'audit-offered']) assert.equal(await store.ttl(keyNames.interaction(UID, name)), LIFETIMES.interaction, name);
    assert.equal(await store.ttl(keyNames.interaction(UID, 'psc-result')), LIFETIMES.pscRoundTrip);
    elapse(LIFETIMES.pscRoundTrip + 1);
    assert.equal(await journey.get(UID, 'psc-result'), undefined);
    assert.equal(await journey.get(UID, 'client'), 'rp-1');
    elapse(LIFETIMES.interaction - LIFETIMES.pscRoundTrip);
    assert.equal(await journey.get(UID, 'client'), undefined);
    assert.equal(await journey.get(UID, 'abort-reason'), undefined);
    assert.equal(await journey.firstTime(UID, 'offered'), true, 'a marker lives as long as the interaction');
  });

  it("deletes several values at once and names the ceremonies' challenge keys in the interaction's slot", async () => {
    const { keyNames, journey } = fixture();
    await journey.set(UID, 'psc-failure', 'refused');
    await journey.set(UID, 'psc-fell-short', 'eidas2');
    await journey.del(UID, 'psc-failure', 'psc-fell-short');
    assert.equal(await journey.get(UID, 'psc-failure'), undefined);
    assert.equal(await journey.get(UID, 'psc-fell-short'), undefined);
    assert.equal(journey.ceremonyKey(UID, 'webauthn-quick'), keyNames.interaction(UID, 'webauthn-quick'));
    assert.equal(journey.ceremonyKey(UID, 'webauthn-2fa'), `t:{i:${UID}}:webauthn-2fa`);
  });
});
