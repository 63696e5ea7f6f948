/**
 * When the adapter stops looking for records in the hash layout of the releases before JSON
 * text (src/store/legacy-records.ts): decided once, by the first instance to start, from
 * whether an earlier release ever wrote the audit stream on this Redis.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { createKeyNames } from '../../src/store/key-names.ts';
import { legacyLayoutsUntil, legacyRecordsUntil, ROLLING_UPGRADE_SECONDS } from '../../src/store/legacy-records.ts';
import { createMemoryStore } from '../../src/store/memory-store.ts';

const keyNames = createKeyNames('hc:');
const HOUR = 3_600_000;

describe('legacy records window', () => {
  test('a new installation (no audit stream) never looks for the old layout, and keeps that decision', async () => {
    const store = createMemoryStore();
    assert.equal(await legacyRecordsUntil(store, keyNames, { longestRecordSeconds: 3600, now: 1_000 }), 0);
    await store.set(keyNames.custom('audit', 'stream'), 'written since');
    assert.equal(await legacyRecordsUntil(store, keyNames, { longestRecordSeconds: 3600, now: 5_000 }), 0, 'a later start reads the mark, not the stream');
  });

  test('after an earlier release (its audit stream is there), it looks for the window from the first start, then not', async () => {
    const store = createMemoryStore();
    await store.set(keyNames.custom('audit', 'stream'), 'events of the earlier release');
    const until = await legacyRecordsUntil(store, keyNames, { longestRecordSeconds: 4 * 3600 - ROLLING_UPGRADE_SECONDS, now: 10 * HOUR });
    assert.equal(until, 14 * HOUR, 'the longest record lifetime and the rolling upgrade');
    assert.equal(
      await legacyRecordsUntil(store, keyNames, { longestRecordSeconds: 7200, now: 10.5 * HOUR }),
      14 * HOUR,
      'a later start keeps the first decision',
    );
    assert.deepEqual(JSON.parse((await store.get(keyNames.custom('sessions', 'records-layout')))!), { since: 10 * HOUR, legacyUntil: 14 * HOUR });
  });

  test('a damaged mark is decided again, not trusted', async () => {
    const store = createMemoryStore();
    await store.set(keyNames.custom('sessions', 'records-layout'), '{"since":"soon"}');
    await store.set(keyNames.custom('audit', 'stream'), 'x');
    assert.equal(await legacyRecordsUntil(store, keyNames, { longestRecordSeconds: 60, now: 1_000 }), 1_000 + (60 + ROLLING_UPGRADE_SECONDS) * 1000);
  });

  test("the consumed records (codes, refresh tokens), the grant token index, the records without jti and the index's short fields get a window of their own, from the first start of the release that moved them", async () => {
    const store = createMemoryStore();
    await store.set(keyNames.custom('audit', 'stream'), 'events of the earlier releases');
    // The release that moved the records saved whole started long ago: its window is over.
    await legacyRecordsUntil(store, keyNames, { longestRecordSeconds: 3600, now: 1 * HOUR });
    // And the release that moved the consumed records a little before this one.
    await legacyRecordsUntil(store, keyNames, { longestRecordSeconds: 4 * 3600, now: 100 * HOUR, layout: 'consumable' });
    const windows = await legacyLayoutsUntil(store, keyNames, {
      longestWholeSeconds: 3600,
      longestConsumableSeconds: 4 * 3600,
      longestTokenSeconds: 4 * 3600,
      now: 101 * HOUR,
    });
    assert.deepEqual(windows, {
      legacyRecordsUntil: 1 * HOUR + (3600 + ROLLING_UPGRADE_SECONDS) * 1000,
      legacyConsumablesUntil: 100 * HOUR + (4 * 3600 + ROLLING_UPGRADE_SECONDS) * 1000,
      legacyGrantSetsUntil: 101 * HOUR + (4 * 3600 + ROLLING_UPGRADE_SECONDS) * 1000,
      recordIdsKeptUntil: 101 * HOUR + (4 * 3600 + ROLLING_UPGRADE_SECONDS) * 1000,
      longTokenFieldsUntil: 101 * HOUR + (4 * 3600 + ROLLING_UPGRADE_SECONDS) * 1000,
      defaultClaimsKeptUntil: 101 * HOUR + (4 * 3600 + ROLLING_UPGRADE_SECONDS) * 1000,
    });
    assert.deepEqual(JSON.parse((await store.get(keyNames.custom('sessions', 'token-claims-layout')))!), {
      since: 101 * HOUR,
      legacyUntil: windows.defaultClaimsKeptUntil,
    });
    assert.deepEqual(JSON.parse((await store.get(keyNames.custom('sessions', 'token-index-fields-layout')))!), {
      since: 101 * HOUR,
      legacyUntil: windows.longTokenFieldsUntil,
    });
    assert.deepEqual(JSON.parse((await store.get(keyNames.custom('sessions', 'record-ids-layout')))!), {
      since: 101 * HOUR,
      legacyUntil: windows.recordIdsKeptUntil,
    });
    assert.deepEqual(JSON.parse((await store.get(keyNames.custom('sessions', 'grant-index-layout')))!), {
      since: 101 * HOUR,
      legacyUntil: windows.legacyGrantSetsUntil,
    });
    assert.deepEqual(JSON.parse((await store.get(keyNames.custom('sessions', 'consumables-layout')))!), {
      since: 100 * HOUR,
      legacyUntil: windows.legacyConsumablesUntil,
    });
    const fresh = createMemoryStore();
    assert.deepEqual(
      await legacyLayoutsUntil(fresh, keyNames, { longestWholeSeconds: 3600, longestConsumableSeconds: 3600, longestTokenSeconds: 3600, now: HOUR }),
      {
        legacyRecordsUntil: 0,
        legacyConsumablesUntil: 0,
        legacyGrantSetsUntil: 0,
        recordIdsKeptUntil: 0,
        longTokenFieldsUntil: 0,
        defaultClaimsKeptUntil: 0,
      },
      'a new installation: no release before to look for',
    );
  });
});
