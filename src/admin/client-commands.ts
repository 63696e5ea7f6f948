/**
 * Admin commands about relying parties. clients.json (CLIENTS_FILE) stays the registry,
 * reviewed like code: `add-client` appends a checked registration to it (the gateways load
 * it at their next restart); `disable-client` switches a registered client off on every
 * instance within a second and revokes the tokens of its sign-ins; `enable-client` switches it back
 * on. Each is recorded in the audit trail (`admin.action`) and returns the exit code.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { orPrintedProblems } from '../config/index.ts';
import { parseRegistrations, readRegistrationsFile, type ClientRegistration } from '../oidc/clients.ts';
import { clientPlaceholders, fillPlaceholders } from '../oidc/client-placeholders.ts';
import { createDisabledClients } from '../oidc/disabled-clients.ts';
import { PORTAL_CLIENT_ID } from '../portal/portal-client.ts';
import type { AdminContext } from './context.ts';
import { createAdminSessions } from './sessions.ts';

const REASON_MAX = 200;

/** The registrations of CLIENTS_FILE (its sandbox placeholders filled in, as the gateways do), or undefined after printing why they cannot be read. */
const registrations = (ctx: AdminContext) => orPrintedProblems(() => readRegistrationsFile(ctx.config.clients.file, clientPlaceholders(ctx.config)));

const kindOf = (c: ClientRegistration) => (c.grant_types.includes('client_credentials') ? 'machine' : 'sign-in');

export async function listClients(ctx: AdminContext): Promise<number> {
  const file = registrations(ctx);
  if (!file) return 2;
  const disabled = createDisabledClients(ctx.store, ctx.keyNames);
  for (const c of file.registrations) {
    const mark = await disabled.find(c.client_id);
    const status = mark ? `DISABLED since ${new Date(mark.at).toISOString()} by ${mark.operator}${mark.reason ? ` (${mark.reason})` : ''}` : 'enabled';
    ctx.out(`${c.client_id}\t${c.client_name}\t${kindOf(c)}\t${c.token_endpoint_auth_method}\tmin_acr ${c.min_acr ?? '-'}\t${status}`);
  }
  ctx.out(`${file.registrations.length} client(s) in ${ctx.config.clients.file}`);
  await ctx.audit({ type: 'admin.action', outcome: 'info', details: { action: 'list-clients', operator: ctx.operator, count: file.registrations.length } });
  return 0;
}

/** Reads one registration (a JSON object) from a file; undefined after printing why not. */
function readRegistration(path: string): Record<string, unknown> | undefined {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    console.error(`admin: cannot read the registration ${path}: ${(err as Error).message}`);
    return undefined;
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    console.error(`admin: ${path} must hold one client registration (a JSON object, as one entry of clients.json)`);
    return undefined;
  }
  return data as Record<string, unknown>;
}

export async function addClient(ctx: AdminContext, registrationPath: string): Promise<number> {
  const path = ctx.config.clients.file;
  const entry = readRegistration(registrationPath);
  const file = entry && registrations(ctx);
  if (!entry || !file) return 2;
  if (entry.client_id === PORTAL_CLIENT_ID) {
    console.error(`admin: "${PORTAL_CLIENT_ID}" is the gateway's own account portal; choose another client_id`);
    return 2;
  }
  if (file.registrations.some((c) => c.client_id === entry.client_id)) {
    console.error(`admin: client "${String(entry.client_id)}" is already registered in ${path}`);
    return 2;
  }
  const added = orPrintedProblems(() => parseRegistrations(fillPlaceholders([...file.raw, entry], clientPlaceholders(ctx.config), path), path).at(-1)!);
  if (!added) return 2;
  // Recorded first: the file does not need Redis, and no change may escape the audit trail.
  const event = {
    type: 'admin.action',
    clientId: added.client_id,
    details: { action: 'add-client', target: added.client_id, operator: ctx.operator, kind: kindOf(added) },
  } as const;
  await ctx.audit({ ...event, outcome: 'success' });
  try {
    writeAtomically(path, `${JSON.stringify([...file.raw, entry], null, 2)}\n`);
  } catch (err) {
    await ctx.audit({ ...event, outcome: 'failure', reason: 'clients-file-not-writable' });
    console.error(
      `admin: cannot write ${path} (${(err as Error).message}); run the command where the clients file is writable (docs/operations.md, "Admin commands")`,
    );
    return 2;
  }
  ctx.out(`added ${added.client_id} (${kindOf(added)}) to ${path}; restart the gateways one at a time to load it`);
  const secretEnv = added.client_secret_env;
  if (added.token_endpoint_auth_method.startsWith('client_secret') && secretEnv && !added.client_secret) {
    if (process.env[secretEnv]) ctx.out(`its secret is read from ${secretEnv}, already set here: give the gateways the same value`);
    else
      ctx.out(
        `a new secret for it (shown once, stored nowhere by this command): set ${secretEnv} in the gateways' environment and give it to the application's team\n${randomBytes(32).toString('base64url')}`,
      );
  }
  return 0;
}

/** Writes beside the file and renames over it (a reader never sees half a file); keeps its mode. */
function writeAtomically(path: string, content: string): void {
  const mode = statSync(path).mode & 0o777;
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, content, { mode });
  chmodSync(temporary, mode);
  renameSync(temporary, path);
}

/** A client_id of CLIENTS_FILE that may be switched off; undefined after printing why not. */
function registeredClient(ctx: AdminContext, clientId: string): ClientRegistration | undefined {
  if (clientId === PORTAL_CLIENT_ID) {
    console.error(`admin: "${PORTAL_CLIENT_ID}" is the gateway's own account portal; it cannot be disabled`);
    return undefined;
  }
  const found = registrations(ctx)?.registrations.find((c) => c.client_id === clientId);
  if (!found) console.error(`admin: no client "${clientId}" in ${ctx.config.clients.file} (the file the gateways load: CLIENTS_FILE)`);
  return found;
}

export async function disableClient(ctx: AdminContext, clientId: string, reason: string | undefined): Promise<number> {
  if (reason !== undefined && (reason.length > REASON_MAX || /[\p{Cc}]/u.test(reason))) {
    console.error(`admin: --reason must be one line of at most ${REASON_MAX} characters`);
    return 2;
  }
  if (!registeredClient(ctx, clientId)) return 2;
  const disabled = createDisabledClients(ctx.store, ctx.keyNames);
  const existing = await disabled.find(clientId);
  if (!existing) await disabled.disable(clientId, { at: Date.now(), operator: ctx.operator, reason: reason ?? null });
  // Also when already disabled: a run cut short (Redis lost) may have left grants to revoke.
  const sessions = createAdminSessions(ctx);
  const grants = await sessions.revokeGrantsOf(clientId, await sessions.find(() => true));
  await ctx.audit({
    type: 'admin.action',
    outcome: existing ? 'info' : 'success',
    clientId,
    details: { action: 'disable-client', target: clientId, operator: ctx.operator, reason: reason ?? null, grants, alreadyDisabled: Boolean(existing) },
  });
  if (existing) {
    ctx.out(
      `${clientId} is already disabled (since ${new Date(existing.at).toISOString()} by ${existing.operator}); revoked the tokens of ${grants} more sign-in(s)`,
    );
    return grants ? 0 : 1;
  }
  ctx.out(`disabled ${clientId} on every instance (within a second); revoked the tokens of ${grants} sign-in(s)`);
  return 0;
}

export async function enableClient(ctx: AdminContext, clientId: string): Promise<number> {
  if (!registeredClient(ctx, clientId)) return 2;
  const disabled = createDisabledClients(ctx.store, ctx.keyNames);
  const mark = await disabled.find(clientId);
  if (!mark || !(await disabled.enable(clientId))) {
    ctx.out(`${clientId} is not disabled`);
    return 1;
  }
  await ctx.audit({
    type: 'admin.action',
    outcome: 'success',
    clientId,
    details: { action: 'enable-client', target: clientId, operator: ctx.operator, disabledAt: new Date(mark.at).toISOString() },
  });
  ctx.out(`enabled ${clientId} (disabled since ${new Date(mark.at).toISOString()} by ${mark.operator}); tokens revoked then stay revoked`);
  return 0;
}
