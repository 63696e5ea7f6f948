/**
 * keySlot must agree with Redis Cluster: known CRC16 vectors, hash-tag rules, and the
 * cluster-key-slot package ioredis itself routes with.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { test } from 'vitest';
import { createKeyNames } from '../../src/store/key-names.ts';
import { keySlot } from '../../src/store/key-slot.ts';

test('known slots from the Redis Cluster specification', () => {
  assert.equal(keySlot('123456789'), 12739); // CRC16/XMODEM check value 0x31C3
  assert.equal(keySlot('foo'), 12182);
  assert.equal(keySlot('{user1000}.following'), keySlot('user1000'));
  assert.notEqual(keySlot('foo{}{bar}'), keySlot('bar')); // empty tag: the whole key is hashed
  assert.equal(keySlot('foo{{bar}}zap'), keySlot('{bar'));
  assert.equal(keySlot('foo{bar}{zap}'), keySlot('bar'));
});

test('agrees with cluster-key-slot (used by ioredis) on random and real keys', () => {
  const clusterKeySlot = createRequire(import.meta.url)('cluster-key-slot') as (key: string) => number;
  const keyNames = createKeyNames('hc:');
  const samples = [
    keyNames.model('Grant', 'g1'),
    keyNames.grantTokenIndex('g1'),
    keyNames.legacyGrantTokens('g1'),
    keyNames.model('Interaction', 'é-ü-✓'),
    ...Array.from({ length: 200 }, () => randomBytes(12).toString('base64')),
  ];
  for (const key of samples) assert.equal(keySlot(key), clusterKeySlot(key), key);
  assert.equal(keySlot(keyNames.model('Grant', 'g1')), keySlot(keyNames.grantTokenIndex('g1')));
  assert.equal(keySlot(keyNames.model('Grant', 'g1')), keySlot(keyNames.legacyGrantTokens('g1')));
});
