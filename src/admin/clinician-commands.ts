/**
 * Admin commands about one clinician (by national identifier, idNat): list and revoke their
 * keys, confirm a key after an in-person identity check, end their sessions, show their
 * linked identity. Each is recorded in the audit trail
 * (`admin.action`, naming the operator); each returns the process exit code.
 */
import { createAccountRepository, createActivityLog } from '../accounts/index.ts';
import { createCredentialRepository } from '../webauthn/index.ts';
import { bindingCeiling, createSessionAssuranceStore, inPersonBinding, keyAssurance, keyOwnAssurance, loadPolicy, raisesBinding } from '../assurance/index.ts';
import type { AdminContext } from './context.ts';
import { createAdminSessions, type LiveSession } from './sessions.ts';

const iso = (ms: number | undefined) => (ms === undefined ? '-' : new Date(ms).toISOString());

export async function listKeys(ctx: AdminContext, idNat: string): Promise<number> {
  const list = await createCredentialRepository(ctx.store, ctx.keyNames).listByAccount(idNat);
  for (const c of list) ctx.out(`${c.id}\t${c.kind}\t${c.name}\tcreated ${iso(c.createdAt)}${c.blocked ? '\tBLOCKED' : ''}`);
  ctx.out(`${list.length} key(s) for ${idNat}`);
  await ctx.audit({ type: 'admin.action', outcome: 'info', details: { action: 'list-keys', target: idNat, operator: ctx.operator, count: list.length } });
  return list.length ? 0 : 1;
}

/** Offboarding, or a clinician who lost everything: every key, and (unless kept) every session. */
export async function revokeKeys(ctx: AdminContext, idNat: string, options: { keepSessions: boolean }): Promise<number> {
  const revoked = await createCredentialRepository(ctx.store, ctx.keyNames).revokeAll(idNat);
  const ended = options.keepSessions ? 0 : await endSessionsOf(ctx, idNat);
  await ctx.audit({
    type: 'admin.action',
    outcome: 'success',
    details: { action: 'revoke-keys', target: idNat, operator: ctx.operator, count: revoked, sessions: ended },
  });
  if (revoked)
    await ctx.audit({ type: 'key.revoked', outcome: 'success', actor: idNat, details: { by: 'admin', count: revoked, keysLeft: 0, operator: ctx.operator } });
  ctx.out(`revoked ${revoked} key(s) of ${idNat}`);
  if (!options.keepSessions) ctx.out(endedLine(ended, idNat, ctx));
  return revoked || ended ? 0 : 1;
}

export async function endSessions(ctx: AdminContext, idNat: string): Promise<number> {
  const ended = await endSessionsOf(ctx, idNat);
  await ctx.audit({ type: 'admin.action', outcome: 'success', details: { action: 'end-sessions', target: idNat, operator: ctx.operator, count: ended } });
  ctx.out(endedLine(ended, idNat, ctx));
  return ended ? 0 : 1;
}

/** Ends the live sessions, and any sign-in of this clinician still in a journey (verified before now: it cannot finish). */
async function endSessionsOf(ctx: AdminContext, idNat: string): Promise<number> {
  const sessions = createAdminSessions(ctx);
  const ended = await sessions.end(await sessions.find((record) => record.accountId === idNat));
  await createSessionAssuranceStore(ctx.store, ctx.keyNames).endAccount(idNat, Date.now(), ctx.config.ttl.interaction);
  return ended;
}

/**
 * An administrator checked the clinician's identity face to face (the usual way a hospital
 * hands out keys) and confirms one of their keys: its binding becomes the policy's `inPerson`
 * one (the key's own worth still caps it). Refused when that would not raise it.
 */
export async function confirmKey(ctx: AdminContext, idNat: string, keyId: string): Promise<number> {
  const policy = loadPolicy(ctx.config.assurance.file);
  const credentials = createCredentialRepository(ctx.store, ctx.keyNames);
  const credential = await credentials.find(keyId);
  if (!credential || credential.idNat !== idNat) {
    console.error(`admin confirm-key: ${idNat} has no active key ${keyId} (see: npm run admin -- list-keys ${idNat})`);
    return 2;
  }
  const binding = inPersonBinding(policy, ctx.operator, Date.now());
  const before = bindingCeiling(policy, credential);
  if (!raisesBinding(before, binding.assurance)) {
    ctx.out(
      `key "${credential.name}" of ${idNat} is already bound at ${before.acr}${before.phishingResistant ? ', phishing-resistant' : ''}: nothing to confirm`,
    );
    return 1;
  }
  await ctx.audit({ type: 'admin.action', outcome: 'success', details: { action: 'confirm-key', target: idNat, operator: ctx.operator } });
  if (!(await credentials.setBinding(keyId, binding))) {
    console.error(`admin confirm-key: key ${keyId} of ${idNat} was revoked meanwhile`);
    return 2;
  }
  const now = keyAssurance(policy, { ...credential, binding });
  await ctx.audit({
    type: 'key.raised',
    outcome: 'success',
    actor: idNat,
    details: { by: 'in-person', kind: credential.kind, from: before.acr, to: now.acr, phishingResistant: now.phishingResistant, operator: ctx.operator },
  });
  const own = keyOwnAssurance(policy, credential);
  ctx.out(
    `key "${credential.name}" of ${idNat} confirmed in person by ${ctx.operator}: it now proves ${now.acr}${now.phishingResistant ? ', phishing-resistant' : ''}${now.hardwareProtected ? ', hardware-protected' : ''} (the most this ${own.method} key can)`,
  );
  return 0;
}

function endedLine(ended: number, idNat: string, ctx: AdminContext): string {
  if (!ended) return `no live session of ${idNat}`;
  return `ended ${ended} session(s) of ${idNat}: their tokens are revoked now; applications with back-channel logout are told at the next sweep (within ${ctx.config.sessions.sweepSeconds} s)`;
}

/** The linked identity: what PSC vouched for, the keys, the live sessions, the recent activity. */
export async function show(ctx: AdminContext, idNat: string): Promise<number> {
  const account = await createAccountRepository(ctx.store, ctx.keyNames).find(idNat);
  const keys = await createCredentialRepository(ctx.store, ctx.keyNames).listByAccount(idNat);
  const sessions = await createAdminSessions(ctx).find((record) => record.accountId === idNat);
  const activity = await createActivityLog(ctx.store, ctx.keyNames).recent(idNat, 10);
  await ctx.audit({ type: 'admin.action', outcome: 'info', details: { action: 'show', target: idNat, operator: ctx.operator, found: Boolean(account) } });
  if (!account) {
    ctx.out(`no account for ${idNat} (never signed in through Pro Santé Connect here)${keys.length ? `; ${keys.length} key(s) still listed` : ''}`);
    return 1;
  }
  const p = account.profile;
  ctx.out(`clinician ${idNat}`);
  ctx.out(`  name              ${[p.given_name, p.family_name].filter(Boolean).join(' ') || '-'}`);
  ctx.out(`  PSC subject       ${account.pscSub}`);
  ctx.out(`  roles             ${p.SubjectRole?.join(', ') || '-'}`);
  ctx.out(`  organisation      ${p.SubjectOrganization ?? '-'}${p.SubjectOrganizationID ? ` (${p.SubjectOrganizationID})` : ''}`);
  ctx.out(`  account created   ${iso(account.createdAt)}`);
  ctx.out(`  last PSC sign-in  ${iso(account.pscVerifiedAt)} (authMode ${account.lastPscAuthMode ?? '-'}, acr ${account.lastPscAcr ?? '-'})`);
  ctx.out(`keys (${keys.length})`);
  for (const c of keys)
    ctx.out(
      `  ${c.name}\t${c.kind}${c.model ? ` (${c.model})` : ''}\tcreated ${iso(c.createdAt)}\tlast used ${iso(c.lastUsedAt)}${c.blocked ? `\tBLOCKED (${c.blocked.reason})` : ''}\tid ${c.id}`,
    );
  ctx.out(`live sessions (${sessions.length})`);
  for (const s of sessions) ctx.out(`  ${sessionLine(s)}`);
  ctx.out(`recent activity (${activity.length})`);
  for (const a of activity)
    ctx.out(
      `  ${iso(a.at)}\t${a.type}\t${a.outcome}${a.clientId ? `\t${a.clientId}` : ''}${a.method ? `\t${a.method}` : ''}${a.acr ? `\t${a.acr}` : ''}${a.reason ? `\t${a.reason}` : ''}`,
    );
  return 0;
}

function sessionLine(s: LiveSession): string {
  const r = s.record;
  const apps = [...s.grants.keys()].join(', ') || '-';
  return `since ${iso(r.loginAt)}\tlast seen ${iso(r.lastSeenAt)}\t${r.acr} by ${r.method} (${r.amr.join('+')})\tprofile ${r.profile}\tapplications ${apps}`;
}
