import { describe, expect, it } from 'vitest';
import { recordCopy } from './record-copy.ts';

describe('recordCopy (what a request gets of a record it read once)', () => {
  it('copies JSON-like records deeply: changing the copy changes nothing of the original', () => {
    const original = { a: 1, nested: { list: [1, { b: 'x' }], none: null, no: undefined, flag: true }, text: 'é' };
    const copy = recordCopy(original);
    expect(copy).toStrictEqual(structuredClone(original));
    copy.nested.list.push(2);
    (copy.nested.list[1] as { b: string }).b = 'y';
    copy.a = 2;
    expect(original).toStrictEqual({ a: 1, nested: { list: [1, { b: 'x' }], none: null, no: undefined, flag: true }, text: 'é' });
    expect(copy.nested).not.toBe(original.nested);
  });

  it('gives strings, numbers, booleans and null back as they are (nothing to copy)', () => {
    for (const value of ['{"a":1}', 0, -1.5, true, false, null, undefined]) expect(recordCopy(value)).toBe(value);
  });

  it('copies what JSON cannot carry as structuredClone does: bytes, dates, maps, sets, class instances', () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const original = { publicKey: bytes, at: new Date(5), tags: new Set(['a']), byId: new Map([['k', { v: 1 }]]), error: new RangeError('x') };
    const copy = recordCopy(original);
    expect(copy).toStrictEqual(structuredClone(original));
    expect(copy.publicKey).toBeInstanceOf(Uint8Array);
    expect(copy.publicKey).not.toBe(bytes);
    copy.publicKey[0] = 9;
    expect(bytes[0]).toBe(1);
    expect(copy.at).toBeInstanceOf(Date);
    expect(copy.byId.get('k')).not.toBe(original.byId.get('k'));
    class Credential {
      id = 'c1';
    }
    expect(recordCopy({ credential: new Credential() })).toStrictEqual(structuredClone({ credential: new Credential() }));
  });

  it('copies a record that refers to itself (a cycle) as structuredClone does, instead of recursing forever', () => {
    const original: { name: string; self?: unknown; list: unknown[] } = { name: 'loop', list: [] };
    original.self = original;
    original.list.push(original);
    const copy = recordCopy(original) as typeof original;
    expect(copy.self).toBe(copy);
    expect(copy.list[0]).toBe(copy);
    expect(copy).not.toBe(original);
  });

  it('refuses what structuredClone refuses (a function), naming it', () => {
    expect(() => recordCopy({ run: () => 1 })).toThrow(/could not be cloned/);
  });

  it('keeps a "__proto__" member read from JSON as a member: the copy\'s prototype stays Object\'s', () => {
    const original = JSON.parse('{"name":"x","__proto__":{"admin":true}}') as Record<string, unknown>;
    const copy = recordCopy(original);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.hasOwn(copy, '__proto__')).toBe(true);
    expect((copy as { admin?: unknown }).admin).toBeUndefined();
    expect(copy).toStrictEqual(structuredClone(original));
  });

  it('keeps an object without prototype as structuredClone does (a plain object)', () => {
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { a: { b: 1 } });
    expect(recordCopy(bare)).toStrictEqual(structuredClone(bare));
  });
});
