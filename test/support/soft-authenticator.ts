/**
 * A software WebAuthn authenticator + client for tests: real registration and assertion
 * bytes made with node:crypto, in the JSON form @simplewebauthn/browser posts.
 *
 * - client data JSON: { type, challenge, origin, crossOrigin: false }
 * - authenticator data: SHA-256(rpId), flags (UP, UV, BE, BS, AT), signature counter, and at
 *   registration the attested credential data (AAGUID, credential id, COSE public key)
 * - attestation object (CBOR): 'none', or 'packed' self attestation (alg + sig, no x5c), or
 *   'packed' full attestation (sig by an attestation certificate's key, x5c = its chain)
 * - signatures: ES256 as DER (as WebAuthn authenticators send ECDSA), Ed25519 raw
 *
 * Credentials are discoverable: the authenticator keeps them with their user handle and
 * returns that handle in assertions. Tests may lie on purpose (another origin or RP ID,
 * no UV, a lower counter, another user handle) through the per-call context.
 *
 * ```ts
 * const key = createSoftAuthenticator({ alg: 'EdDSA', attestation: 'packed' });
 * const registration = key.register(creationOptions, { origin: 'https://gw.example' });
 * const assertion = key.authenticate(requestOptions, { origin: 'https://gw.example' });
 * ```
 */
import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { encodeCbor } from './cbor.ts';

export type SoftAlgorithm = 'ES256' | 'EdDSA';

export interface SoftAuthenticatorOptions {
  /** Key algorithm of new credentials. Default 'ES256'. */
  alg?: SoftAlgorithm;
  /** Attestation statement format. Default 'none'. */
  attestation?: 'none' | 'packed';
  /**
   * With attestation 'packed': sign the attestation with this certificate's key (ES256, PEM)
   * and send `chain` (DER, attestation certificate first) as x5c. Default: self attestation.
   */
  attestationCertificate?: { key: string; chain: Uint8Array[] };
  /** AAGUID of the model (8-4-4-4-12). Default all zeros. */
  aaguid?: string;
  /** BE flag: the credential may be synced (a passkey provider). Default false. */
  backupEligible?: boolean;
  /** BS flag: the credential is backed up. Default false (true needs backupEligible). */
  backedUp?: boolean;
  /** UV flag (PIN / biometrics done). Default true; a call's context can override it. */
  userVerified?: boolean;
  /** Signature counter of a new credential. Default 0. */
  signCount?: number;
  /** 'increment': +1 per assertion (security keys); 'zero': always 0 (synced passkeys). Default 'increment'. */
  counter?: 'increment' | 'zero';
  /** Transports reported at registration. Default ['usb']. */
  transports?: string[];
  /** authenticatorAttachment reported by the "browser"; null = not reported. Default 'cross-platform'. */
  attachment?: 'platform' | 'cross-platform' | null;
}

export interface SoftCeremonyContext {
  /** Origin the "browser" puts in client data (the page's origin). */
  origin: string;
  /** RP ID hashed into the authenticator data. Default: the options' RP ID, else the origin's host. */
  rpId?: string;
  /** Overrides the authenticator's UV flag for this call. */
  userVerified?: boolean;
  /** UP flag. Default true. */
  userPresent?: boolean;
  /** Extra or replaced client data members (e.g. { type: 'webauthn.get' }). */
  clientData?: Record<string, unknown>;
}

export interface SoftRegisterContext extends SoftCeremonyContext {
  /**
   * Attests an existing credential again (same id and key) instead of creating one, ignoring
   * excludeCredentials: what a faulty or hostile authenticator could send.
   */
  reuseCredentialId?: string;
}

export interface SoftAuthenticateContext extends SoftCeremonyContext {
  /** Signs with this counter (and keeps it), e.g. lower than the last one to act as a clone. */
  counterOverride?: number;
  /** Uses this credential instead of choosing one. */
  credentialId?: string;
  /** Returns this user handle instead of the credential's; null = none. */
  userHandle?: string | null;
}

export interface SoftCredentialInfo {
  id: string;
  rpId: string;
  userHandle: string;
  userName: string;
  counter: number;
  alg: SoftAlgorithm;
}

export interface SoftAuthenticator {
  readonly aaguid: string;
  /** Credentials held, oldest first. */
  readonly credentials: readonly SoftCredentialInfo[];
  /** navigator.credentials.create(): throws a DOMException like a browser when it cannot. */
  register(options: PublicKeyCredentialCreationOptionsJSON, context: SoftRegisterContext): RegistrationResponseJSON;
  /** navigator.credentials.get(): throws a DOMException like a browser when it cannot. */
  authenticate(options: PublicKeyCredentialRequestOptionsJSON, context: SoftAuthenticateContext): AuthenticationResponseJSON;
  /** Deletes a credential from the authenticator (the clinician removed the passkey). */
  forget(credentialId: string): boolean;
}

interface HeldCredential extends SoftCredentialInfo {
  privateKey: KeyObject;
  cosePublicKey: Uint8Array;
}

const COSE_ALG: Record<SoftAlgorithm, number> = { ES256: -7, EdDSA: -8 };
const ZERO_AAGUID = '00000000-0000-0000-0000-000000000000';

export const FLAG_UP = 0x01;
export const FLAG_UV = 0x04;
export const FLAG_BE = 0x08;
export const FLAG_BS = 0x10;
export const FLAG_AT = 0x40;

export function base64url(bytes: Uint8Array | string): string {
  return Buffer.from(bytes).toString('base64url');
}

function sha256(data: Uint8Array | string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

function uint32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value >>> 0);
  return out;
}

function uint16(value: number): Uint8Array {
  const out = new Uint8Array(2);
  new DataView(out.buffer).setUint16(0, value);
  return out;
}

function aaguidBytes(aaguid: string): Uint8Array {
  const hex = aaguid.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new TypeError(`soft authenticator: expected an AAGUID like 00000000-0000-0000-0000-000000000000, got ${aaguid}`);
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

function newKeyPair(alg: SoftAlgorithm): { privateKey: KeyObject; cosePublicKey: Uint8Array } {
  if (alg === 'ES256') {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const cose = new Map<number, number | Uint8Array>([
      [1, 2], // kty: EC2
      [3, -7], // alg: ES256
      [-1, 1], // crv: P-256
      [-2, new Uint8Array(Buffer.from(jwk.x ?? '', 'base64url'))],
      [-3, new Uint8Array(Buffer.from(jwk.y ?? '', 'base64url'))],
    ]);
    return { privateKey, cosePublicKey: encodeCbor(cose) };
  }
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const jwk = publicKey.export({ format: 'jwk' });
  const cose = new Map<number, number | Uint8Array>([
    [1, 1], // kty: OKP
    [3, -8], // alg: EdDSA
    [-1, 6], // crv: Ed25519
    [-2, new Uint8Array(Buffer.from(jwk.x ?? '', 'base64url'))],
  ]);
  return { privateKey, cosePublicKey: encodeCbor(cose) };
}

function signWith(alg: SoftAlgorithm, privateKey: KeyObject, data: Uint8Array): Uint8Array {
  // node signs ECDSA as DER by default, which is what WebAuthn expects.
  return new Uint8Array(alg === 'ES256' ? sign('sha256', data, privateKey) : sign(null, data, privateKey));
}

function rpIdFrom(optionsRpId: string | undefined, origin: string): string {
  return optionsRpId ?? new URL(origin).hostname;
}

export function createSoftAuthenticator(options: SoftAuthenticatorOptions = {}): SoftAuthenticator {
  const alg = options.alg ?? 'ES256';
  const attestation = options.attestation ?? 'none';
  const aaguid = (options.aaguid ?? ZERO_AAGUID).toLowerCase();
  const aaguidRaw = aaguidBytes(aaguid);
  const held: HeldCredential[] = [];

  function flags(context: SoftCeremonyContext, attested: boolean): number {
    let value = 0;
    if (context.userPresent ?? true) value |= FLAG_UP;
    if (context.userVerified ?? options.userVerified ?? true) value |= FLAG_UV;
    if (options.backupEligible) value |= FLAG_BE;
    if (options.backedUp) value |= FLAG_BS;
    if (attested) value |= FLAG_AT;
    return value;
  }

  function clientData(type: string, challenge: string, context: SoftCeremonyContext): Uint8Array {
    return new TextEncoder().encode(JSON.stringify({ type, challenge, origin: context.origin, crossOrigin: false, ...context.clientData }));
  }

  function register(creation: PublicKeyCredentialCreationOptionsJSON, context: SoftRegisterContext): RegistrationResponseJSON {
    const rpId = rpIdFrom(creation.rp.id, context.origin);
    const reused = context.reuseCredentialId === undefined ? undefined : held.find((other) => other.id === context.reuseCredentialId);
    if (context.reuseCredentialId !== undefined && !reused) {
      throw new DOMException(`The authenticator holds no credential ${context.reuseCredentialId}.`, 'NotAllowedError');
    }
    const excluded = new Set((creation.excludeCredentials ?? []).map((descriptor) => descriptor.id));
    if (!reused && held.some((credential) => excluded.has(credential.id) && credential.rpId === rpId)) {
      throw new DOMException('The authenticator already holds one of the excluded credentials.', 'InvalidStateError');
    }
    if (!creation.pubKeyCredParams.some((param) => param.alg === COSE_ALG[alg])) {
      throw new DOMException(`The authenticator only supports ${alg} (COSE ${COSE_ALG[alg]}).`, 'NotSupportedError');
    }
    const credential: HeldCredential = reused ?? {
      id: base64url(randomBytes(32)),
      rpId,
      userHandle: creation.user.id,
      userName: creation.user.name,
      counter: options.signCount ?? 0,
      alg,
      ...newKeyPair(alg),
    };
    const idBytes = new Uint8Array(Buffer.from(credential.id, 'base64url'));
    const { privateKey, cosePublicKey } = credential;

    const clientDataJSON = clientData('webauthn.create', creation.challenge, context);
    const authData = concat(
      sha256(context.rpId ?? rpId),
      Uint8Array.of(flags(context, true)),
      uint32(credential.counter),
      aaguidRaw,
      uint16(idBytes.byteLength),
      idBytes,
      cosePublicKey,
    );
    const signed = concat(authData, sha256(clientDataJSON));
    const full = options.attestationCertificate;
    const attStmt =
      attestation !== 'packed'
        ? new Map<string, number>()
        : full
          ? new Map<string, number | Uint8Array | Uint8Array[]>([
              ['alg', COSE_ALG.ES256],
              ['sig', signWith('ES256', createPrivateKey(full.key), signed)],
              ['x5c', full.chain],
            ])
          : new Map<string, number | Uint8Array>([
              ['alg', COSE_ALG[credential.alg]],
              ['sig', signWith(credential.alg, privateKey, signed)],
            ]);
    const attestationObject = encodeCbor(
      new Map<string, string | Uint8Array | Map<string, number | Uint8Array | Uint8Array[]>>([
        ['fmt', attestation],
        ['attStmt', attStmt],
        ['authData', authData],
      ]),
    );

    if (!reused) {
      // A discoverable credential replaces an earlier one of the same user at the same RP.
      const previous = held.findIndex((other) => other.rpId === rpId && other.userHandle === credential.userHandle);
      if (previous >= 0) held.splice(previous, 1);
      held.push(credential);
    }

    const transports = options.transports ?? ['usb'];
    const attachment = options.attachment === undefined ? 'cross-platform' : options.attachment;
    return {
      id: credential.id,
      rawId: credential.id,
      type: 'public-key',
      response: {
        clientDataJSON: base64url(clientDataJSON),
        attestationObject: base64url(attestationObject),
        authenticatorData: base64url(authData),
        transports: transports as RegistrationResponseJSON['response']['transports'],
        publicKeyAlgorithm: COSE_ALG[credential.alg],
      },
      ...(attachment ? { authenticatorAttachment: attachment } : {}),
      clientExtensionResults: { credProps: { rk: true } },
    };
  }

  function choose(request: PublicKeyCredentialRequestOptionsJSON, context: SoftAuthenticateContext): HeldCredential {
    if (context.credentialId !== undefined) {
      const chosen = held.find((credential) => credential.id === context.credentialId);
      if (!chosen) throw new DOMException(`The authenticator holds no credential ${context.credentialId}.`, 'NotAllowedError');
      return chosen;
    }
    const rpId = rpIdFrom(request.rpId, context.origin);
    const allowed = new Set((request.allowCredentials ?? []).map((descriptor) => descriptor.id));
    const candidates = held.filter((credential) => credential.rpId === rpId && (allowed.size === 0 || allowed.has(credential.id)));
    const chosen = candidates.at(-1);
    if (!chosen) throw new DOMException(`The authenticator holds no usable credential for ${rpId}.`, 'NotAllowedError');
    return chosen;
  }

  function authenticate(request: PublicKeyCredentialRequestOptionsJSON, context: SoftAuthenticateContext): AuthenticationResponseJSON {
    const credential = choose(request, context);
    if (context.counterOverride !== undefined) credential.counter = context.counterOverride;
    else if ((options.counter ?? 'increment') === 'increment') credential.counter += 1;

    const clientDataJSON = clientData('webauthn.get', request.challenge, context);
    const authData = concat(sha256(context.rpId ?? credential.rpId), Uint8Array.of(flags(context, false)), uint32(credential.counter));
    const signature = signWith(credential.alg, credential.privateKey, concat(authData, sha256(clientDataJSON)));
    const userHandle = context.userHandle === undefined ? credential.userHandle : context.userHandle;
    const attachment = options.attachment === undefined ? 'cross-platform' : options.attachment;
    return {
      id: credential.id,
      rawId: credential.id,
      type: 'public-key',
      response: {
        clientDataJSON: base64url(clientDataJSON),
        authenticatorData: base64url(authData),
        signature: base64url(signature),
        ...(userHandle === null ? {} : { userHandle }),
      },
      ...(attachment ? { authenticatorAttachment: attachment } : {}),
      clientExtensionResults: {},
    };
  }

  return {
    aaguid,
    get credentials() {
      return held.map(({ id, rpId, userHandle, userName, counter, alg: credentialAlg }) => ({ id, rpId, userHandle, userName, counter, alg: credentialAlg }));
    },
    register,
    authenticate,
    forget(credentialId) {
      const index = held.findIndex((credential) => credential.id === credentialId);
      if (index < 0) return false;
      held.splice(index, 1);
      return true;
    },
  };
}
