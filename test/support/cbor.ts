/**
 * A small CBOR encoder (RFC 8949) for test fixtures: integers, byte and text strings,
 * arrays, maps (keys kept in insertion order, as CTAP2 canonical order expects them given),
 * booleans and null. Enough for attestation objects and COSE keys.
 */

export type CborValue = number | bigint | string | Uint8Array | boolean | null | CborValue[] | Map<number | string, CborValue>;

function head(major: number, length: number | bigint): Uint8Array {
  const n = BigInt(length);
  const m = major << 5;
  if (n < 24n) return Uint8Array.of(m | Number(n));
  if (n < 0x100n) return Uint8Array.of(m | 24, Number(n));
  if (n < 0x10000n) {
    const out = new Uint8Array(3);
    out[0] = m | 25;
    new DataView(out.buffer).setUint16(1, Number(n));
    return out;
  }
  if (n < 0x100000000n) {
    const out = new Uint8Array(5);
    out[0] = m | 26;
    new DataView(out.buffer).setUint32(1, Number(n));
    return out;
  }
  const out = new Uint8Array(9);
  out[0] = m | 27;
  new DataView(out.buffer).setBigUint64(1, n);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

export function encodeCbor(value: CborValue): Uint8Array {
  if (typeof value === 'number' || typeof value === 'bigint') {
    if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new TypeError(`cbor: only integers are supported, got ${value}`);
    const n = BigInt(value);
    return n >= 0n ? head(0, n) : head(1, -1n - n);
  }
  if (typeof value === 'string') {
    const bytes = new TextEncoder().encode(value);
    return concat([head(3, bytes.byteLength), bytes]);
  }
  if (value instanceof Uint8Array) return concat([head(2, value.byteLength), value]);
  if (value === false) return Uint8Array.of(0xf4);
  if (value === true) return Uint8Array.of(0xf5);
  if (value === null) return Uint8Array.of(0xf6);
  if (Array.isArray(value)) return concat([head(4, value.length), ...value.map(encodeCbor)]);
  if (value instanceof Map) {
    const parts: Uint8Array[] = [head(5, value.size)];
    for (const [key, item] of value) parts.push(encodeCbor(key), encodeCbor(item));
    return concat(parts);
  }
  throw new TypeError(`cbor: unsupported value ${String(value)}`);
}
