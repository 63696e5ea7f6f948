/**
 * The chain and its verification on lists in memory: untouched passes; a modified, deleted,
 * inserted (forged with a wrong key, or a copy) or reordered event fails at its position;
 * a truncated tail is found only against the head; trim points and anchors.
 */
import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import {
  canonical,
  canonicalObject,
  canonicalWithMember,
  chainEvents,
  checkCheckpoint,
  isAuthenticTrimPoint,
  linkEvents,
  macFor,
  trimPointMac,
  verifyChain,
  assertMacKey,
} from '../../src/audit/index.ts';
import type { AuditEvent } from '../../src/audit/types.ts';
import { KEY, WRONG_KEY, body, makeChain } from './helpers.ts';

type Failure = Extract<ReturnType<typeof verifyChain>, { ok: false }>;

function failure(events: AuditEvent[], options?: Parameters<typeof verifyChain>[2]): Failure {
  const result = verifyChain(events, KEY, options);
  assert.equal(result.ok, false, `expected a failure, got ${JSON.stringify(result)}`);
  return result as Failure;
}

describe('canonical JSON', () => {
  it('sorts keys at every depth and leaves out undefined members', () => {
    assert.equal(canonical({ b: 1, a: { d: [1, { z: true, y: null }], c: undefined } }), '{"a":{"d":[1,{"y":null,"z":true}]},"b":1}');
  });

  it('refuses values without one JSON form, naming where', () => {
    assert.throws(() => canonical({ a: { b: Number.NaN } }), /finite number at \$\.a\.b, got NaN/);
    assert.throws(() => canonical({ at: new Date(0) }), /plain object at \$\.at, got an instance of Date/);
    assert.throws(() => canonical([1, undefined]), /\$\[1\], got undefined/);
    assert.throws(() => canonical({ n: 10n }), /got bigint/);
  });

  it('adds a member to an object serialized before exactly as serializing the whole again', () => {
    for (const record of [{}, { b: 1 }, { z: 'x', a: [1, { q: null }] }, { ma: 1, mac0: 2, m: 3, é: 4, M: 5 }]) {
      const { text, parts } = canonicalObject(record);
      assert.equal(text, canonical(record));
      assert.equal(canonicalWithMember(parts, 'mac', 'v"\\'), canonical({ ...record, mac: 'v"\\' }));
    }
    assert.throws(() => canonicalWithMember(canonicalObject({ mac: 1 }).parts, 'mac', 2), /without mac/);
  });

  it('is the same for the same content whatever the key order', () => {
    assert.equal(canonical({ x: 1, y: 'é\n' }), canonical({ y: 'é\n', x: 1 }));
  });
});

describe('MAC', () => {
  it('chainEvents gives each event with the canonical JSON the log stores, its MAC as macFor computes it', () => {
    const bodies = [body(0), { ...body(1), details: { z: 1, a: 'é' }, clientId: 'rp', userAgent: 'Chrome 1 / Linux' }, { ...body(2), actor: 'x', reason: 'r' }];
    const chained = chainEvents(KEY, { seq: 41, mac: 'head' }, bodies);
    assert.deepEqual(
      chained.map(({ event }) => event),
      linkEvents(KEY, { seq: 41, mac: 'head' }, bodies),
    );
    for (const { event, text } of chained) {
      assert.equal(text, canonical(event));
      assert.equal(event.mac, macFor(KEY, event.prev, event));
    }
  });

  it('is HMAC-SHA256 over prev, a newline and the canonical event without mac, base64url', async () => {
    const { createHmac } = await import('node:crypto');
    const [event] = makeChain(1);
    const { mac, ...unsigned } = event!;
    assert.equal(
      mac,
      createHmac('sha256', KEY)
        .update(`\n${canonical(unsigned)}`)
        .digest('base64url'),
    );
    assert.equal(macFor(KEY, '', event!), mac, 'a mac member present is ignored');
    assert.match(mac, /^[A-Za-z0-9_-]{43}$/);
  });

  it('chains: each prev is the previous MAC, the first prev is empty', () => {
    const chain = makeChain(3);
    assert.deepEqual(
      chain.map((e) => e.seq),
      [1, 2, 3],
    );
    assert.equal(chain[0]!.prev, '');
    assert.equal(chain[1]!.prev, chain[0]!.mac);
    assert.equal(chain[2]!.prev, chain[1]!.mac);
  });

  it('needs a key of at least 32 characters', () => {
    assert.throws(() => assertMacKey('short'), /at least 32 characters .*got 5 characters/);
    assert.throws(() => assertMacKey(undefined), /got undefined/);
  });
});

describe('verifyChain', () => {
  const N = 10;

  it('passes an untouched chain, and an empty one', () => {
    assert.deepEqual(verifyChain(makeChain(N), KEY), { ok: true, count: N, firstSeq: 1, lastSeq: N });
    assert.deepEqual(verifyChain([], KEY), { ok: true, count: 0, firstSeq: undefined, lastSeq: undefined });
  });

  it('fails with another key at position 1', () => {
    const result = verifyChain(makeChain(3), WRONG_KEY);
    assert.equal(result.ok, false);
    assert.equal((result as Failure).position, 1);
  });

  for (const k of [1, 5, N]) {
    it(`finds a modified field of event ${k} at position ${k}`, () => {
      const chain = makeChain(N);
      chain[k - 1] = { ...chain[k - 1]!, actor: '800000000001' };
      const f = failure(chain);
      assert.deepEqual([f.position, f.seq, f.problem], [k, k, 'modified']);
    });

    it(`finds event ${k} deleted at position ${k} (the event after the gap${k === N ? ': none, so against the head' : ''})`, () => {
      const chain = makeChain(N);
      const head = { seq: N, mac: chain.at(-1)!.mac };
      chain.splice(k - 1, 1);
      const f = failure(chain, { expectedHead: head });
      if (k === N) {
        assert.deepEqual([f.position, f.seq, f.problem], [N, N, 'truncated']);
      } else {
        assert.deepEqual([f.position, f.seq, f.problem], [k, k + 1, 'deleted']);
        assert.match(f.message, new RegExp(`seq ${k} is missing`));
      }
    });
  }

  it('reports a run of deleted events with the missing seqs', () => {
    const chain = makeChain(N);
    chain.splice(2, 3);
    const f = failure(chain);
    assert.deepEqual([f.position, f.seq, f.problem], [3, 6, 'deleted']);
    assert.match(f.message, /seq 3\.\.5 are missing/);
  });

  it('finds a forged event inserted with a MAC computed with a wrong key, at its position', () => {
    for (const at of [0, 4, N]) {
      const chain = makeChain(N);
      const prev = at === 0 ? '' : chain[at - 1]!.mac;
      const forgedBody = { ...body(99), seq: at + 1, prev };
      const forged = { ...forgedBody, mac: macFor(WRONG_KEY, prev, forgedBody) } as AuditEvent;
      chain.splice(at, 0, forged);
      const f = failure(chain, { expectedHead: { seq: N, mac: makeChain(N).at(-1)!.mac } });
      assert.deepEqual([f.position, f.problem], [at + 1, 'inserted'], `inserted before index ${at}: ${f.message}`);
    }
  });

  it('finds a copy of an existing event inserted elsewhere, at the inserted position', () => {
    const later = makeChain(N);
    later.splice(7, 0, { ...later[2]! }); // copy of seq 3 placed after seq 7
    assert.deepEqual(pick(failure(later)), [8, 3, 'inserted']);

    const earlier = makeChain(N);
    earlier.splice(2, 0, { ...earlier[6]! }); // copy of seq 7 placed after seq 2
    assert.deepEqual(pick(failure(earlier)), [3, 7, 'inserted']);

    const adjacent = makeChain(N);
    adjacent.splice(5, 0, { ...adjacent[4]! }); // seq 5 twice in a row: the second is reported
    assert.deepEqual(pick(failure(adjacent)), [6, 5, 'inserted']);
  });

  it('finds two swapped events at the first swapped position', () => {
    const adjacent = makeChain(N);
    [adjacent[3], adjacent[4]] = [adjacent[4]!, adjacent[3]!];
    assert.deepEqual(pick(failure(adjacent)), [4, 5, 'reordered']);

    const apart = makeChain(N);
    [apart[1], apart[8]] = [apart[8]!, apart[1]!];
    assert.deepEqual(pick(failure(apart)), [2, 9, 'reordered']);

    const last = makeChain(N);
    [last[N - 2], last[N - 1]] = [last[N - 1]!, last[N - 2]!];
    assert.deepEqual(pick(failure(last)), [N - 1, N, 'reordered']);
  });

  it('finds an event moved later at its former position', () => {
    const chain = makeChain(N);
    const [moved] = chain.splice(2, 1);
    chain.splice(6, 0, moved!);
    assert.deepEqual(pick(failure(chain)), [3, 4, 'reordered']);
  });

  it('passes a truncated tail unless checked against the head', () => {
    const chain = makeChain(N);
    const head = { seq: N, mac: chain.at(-1)!.mac };
    const truncated = chain.slice(0, N - 3);
    assert.equal(verifyChain(truncated, KEY).ok, true, 'a shorter chain is still a chain');
    const f = failure(truncated, { expectedHead: head });
    assert.deepEqual(pick(f), [N - 2, N - 2, 'truncated']);
    assert.match(f.message, /ends at seq 7 but the head records seq 10: 3 event\(s\) removed/);
    assert.deepEqual(pick(failure([], { expectedHead: head })), [1, 1, 'truncated']);
  });

  it('accepts events appended after the head was read, but not a head the chain contradicts', () => {
    const chain = makeChain(N);
    assert.equal(verifyChain(chain, KEY, { expectedHead: { seq: 6, mac: chain[5]!.mac } }).ok, true);
    assert.deepEqual(pick(failure(chain, { expectedHead: { seq: 6, mac: chain[4]!.mac } })), [6, 6, 'head-mismatch']);
    assert.deepEqual(pick(failure(chain, { expectedHead: null })), [1, 1, 'head-mismatch']);
    assert.equal(verifyChain([], KEY, { expectedHead: null }).ok, true);
  });

  it('checks anchors kept elsewhere (e.g. the SIEM) like the head', () => {
    const chain = makeChain(N);
    assert.equal(verifyChain(chain, KEY, { anchors: [{ seq: 3, mac: chain[2]!.mac }] }).ok, true);
    assert.deepEqual(pick(failure(chain.slice(0, 5), { anchors: [{ seq: 8, mac: chain[7]!.mac }] })), [6, 6, 'truncated']);
  });

  it('verifies a list that starts at a trim point, and refuses one whose start does not match it', () => {
    const chain = makeChain(N);
    const kept = chain.slice(4);
    const start = { expectedFirstSeq: 5, expectedFirstPrev: chain[3]!.mac };
    assert.deepEqual(verifyChain(kept, KEY, start), { ok: true, count: 6, firstSeq: 5, lastSeq: N });
    assert.deepEqual(pick(failure(kept)), [1, 5, 'deleted'], 'without the trim point, events 1..4 are missing');
    assert.deepEqual(pick(failure(chain.slice(5), start)), [1, 6, 'deleted']);
    assert.deepEqual(pick(failure(kept, { expectedFirstSeq: 5, expectedFirstPrev: chain[2]!.mac })), [1, 5, 'broken-link']);
    assert.deepEqual(pick(failure(chain.slice(3), start)), [1, 4, 'inserted']);
  });

  it('reports a malformed entry', () => {
    const chain: unknown[] = makeChain(3);
    chain[1] = { seq: 'two' };
    assert.deepEqual(pick(failure(chain as AuditEvent[])), [2, undefined, 'malformed']);
  });

  it('classifies with the lookahead but reports only within the list', () => {
    const chain = makeChain(N);
    [chain[4], chain[7]] = [chain[7]!, chain[4]!];
    const f = failure(chain.slice(0, 6), { lookahead: chain.slice(6) });
    assert.deepEqual(pick(f), [5, 8, 'reordered']);
    assert.equal(verifyChain(chain.slice(0, 4), KEY, { lookahead: chain.slice(4) }).ok, true);
  });

  it('detects a change anywhere in the event, down to a details member', () => {
    const chain = makeChain(3);
    chain[1] = { ...chain[1]!, details: { ...chain[1]!.details, n: 1.5 } };
    assert.equal(pick(failure(chain))[2], 'modified');
    const timeChanged = makeChain(3);
    timeChanged[2] = { ...timeChanged[2]!, time: '2020-01-01T00:00:00.000Z' };
    assert.deepEqual(pick(failure(timeChanged)), [3, 3, 'modified']);
  });
});

describe('trim point MAC', () => {
  it('authenticates the start of a trimmed chain', () => {
    const point = { seq: 5, prev: 'x'.repeat(43), time: '2025-03-01T00:00:00.000Z' };
    const signed = { ...point, mac: trimPointMac(KEY, point) };
    assert.equal(isAuthenticTrimPoint(KEY, signed), true);
    assert.equal(isAuthenticTrimPoint(KEY, { ...signed, seq: 9 }), false);
    assert.equal(isAuthenticTrimPoint(WRONG_KEY, signed), false);
  });

  it('continues a chain from a trim point when the head is gone', () => {
    const chain = makeChain(4);
    const next = linkEvents(KEY, undefined, [body(4)], { seq: 5, prev: chain[3]!.mac });
    assert.equal(verifyChain([...chain, ...next], KEY).ok, true);
  });

  it('checkCheckpoint ignores an anchor before the run', () => {
    assert.equal(checkCheckpoint({ count: 3, startSeq: 5, startPrev: undefined, macAt: () => undefined }, { seq: 2, mac: 'x' }, 'anchor'), undefined);
  });
});

function pick(f: Failure): [number, number | undefined, string] {
  return [f.position, f.seq, f.problem];
}

describe('verifyChain on a rewritten event', () => {
  it('reports a changed copy added back elsewhere as modified, where the event belonged', () => {
    const chain = makeChain(10);
    const [original] = chain.splice(4, 1);
    chain.push({ ...original!, actor: '800000000001' });
    const f = failure(chain);
    assert.deepEqual(pick(f), [5, 6, 'modified']);
    assert.match(f.message, /seq 5 that does not match its MAC is at position 10/);
  });
});
