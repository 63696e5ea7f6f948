/**
 * Audit events of a refused key ceremony: a failed sign-in attempt, plus the key-specific
 * events (signature counter anomaly = possible clone, missing user verification, a model the
 * FIDO Metadata Service reports revoked or compromised). The
 * account is found from the credential id the browser sent, when it is known.
 */
import type { Request } from 'express';
import { WebAuthnError } from '../webauthn/index.ts';
import type { CredentialRepository } from '../webauthn/index.ts';
import type { RequestAudit } from '../http/audit.ts';
import { JourneyRefusal } from './journey-refusal.ts';

export async function auditKeyRefusal(
  deps: { audit: RequestAudit; credentials: CredentialRepository },
  req: Request,
  err: unknown,
  context: { clientId?: string; ceremony: 'sign-in' | 'second-factor' | 'enrolment' | 'raise' | 'quick'; actor?: string },
): Promise<void> {
  const code = err instanceof WebAuthnError || err instanceof JourneyRefusal ? err.code : undefined;
  if (!code) return;
  const credentialId = (req.body as { response?: { id?: unknown } } | undefined)?.response?.id;
  const credential = typeof credentialId === 'string' && credentialId.length <= 1400 ? await deps.credentials.find(credentialId).catch(() => null) : null;
  const actor = context.actor ?? credential?.idNat;
  const base = { actor, clientId: context.clientId };
  if (code === 'counter-regression') {
    await deps.audit.record(
      { type: 'key.counter_anomaly', outcome: 'failure', ...base, reason: 'possible-clone', details: { keyName: credential?.name, kind: credential?.kind } },
      req,
    );
  }
  if (err instanceof WebAuthnError && err.compromise) {
    const { status, aaguid, model } = err.compromise;
    await deps.audit.record(
      {
        type: 'key.model_compromised',
        outcome: 'failure',
        ...base,
        reason: code,
        details: { status, aaguid, model, ceremony: context.ceremony, keyName: credential?.name },
      },
      req,
    );
  }
  if (code === 'user-verification-missing') {
    await deps.audit.record({ type: 'key.uv_missing', outcome: 'failure', ...base, details: { ceremony: context.ceremony } }, req);
  }
  if (context.ceremony === 'enrolment') {
    await deps.audit.record({ type: 'key.enrolled', outcome: 'failure', ...base, reason: code }, req);
  } else if (context.ceremony === 'raise') {
    await deps.audit.record({ type: 'key.raised', outcome: 'failure', ...base, reason: code }, req);
  } else {
    await deps.audit.record(
      { type: 'signin.failed', outcome: 'failure', ...base, reason: code, details: { method: 'webauthn', ceremony: context.ceremony } },
      req,
    );
  }
}
