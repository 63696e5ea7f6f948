/**
 * Pairings (appairage): which PSC identity a local account of an establishment was paired
 * with, keyed by PSC's pivot — the establishment (`tid`) and the account's immutable id
 * (`oid`) — and until when. Expired: PSC asks to pair again. In memory: a sandbox peer.
 */
export interface Pairing {
  /** PSC's subject of the practitioner who paired (f:<uuid>:<idNat>). */
  pscSub: string;
  pairedAt: number;
  expiresAt: number;
}

export class Pairings {
  readonly #byPivot = new Map<string, Pairing>();
  readonly #lifetimeMs: number;
  readonly #clock: () => number;

  constructor(lifetimeSeconds: number, clock: () => number) {
    this.#lifetimeMs = lifetimeSeconds * 1000;
    this.#clock = clock;
  }

  /** The pairing of this account, with whether it is still valid; undefined when never paired. */
  find(tid: string, oid: string): (Pairing & { expired: boolean }) | undefined {
    const pairing = this.#byPivot.get(`${tid}\0${oid}`);
    return pairing && { ...pairing, expired: this.#clock() >= pairing.expiresAt };
  }

  pair(tid: string, oid: string, pscSub: string): Pairing {
    const now = this.#clock();
    const pairing = { pscSub, pairedAt: now, expiresAt: now + this.#lifetimeMs };
    this.#byPivot.set(`${tid}\0${oid}`, pairing);
    return pairing;
  }
}
