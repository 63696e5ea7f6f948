/**
 * The provider's own events in the audit trail: tokens issued (to a user's session or, with
 * client_credentials, to a machine client) and refreshed (token endpoint), a code or refresh
 * token presented again (its grant revoked: a stolen token replayed, or the client's own) or
 * by two requests at once (the later refused), revoked,
 * introspections that found no active token or were refused, pushed authorization requests
 * (stored, or refused to the client that authenticated), RP-initiated logout, back-channel
 * logout deliveries. Token and request_uri ids are recorded hashed (first 16 hex characters
 * of SHA-256), never the tokens; tokens issued or refreshed once the answer that hands them out
 * stands. Each event of a request is chained before its answer leaves
 * (the middleware below waits for it): a client holding a token can rely on the trail having it —
 * or, when the trail cannot be written, on the SIEM's copy marked `unrecorded` (the recorder never
 * fails the answer; docs/audit.md).
 * Back-channel deliveries are recorded as they end, whatever request they belong to.
 */
import { createHash } from 'node:crypto';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { AuditRecorder, AuditSource } from '../audit/types.ts';
import { ConsumedMeanwhileError } from '../store/token-consumption.ts';

export function hashId(value: string | undefined): string | undefined {
  return value ? createHash('sha256').update(value).digest('hex').slice(0, 16) : undefined;
}

type Entities = Record<string, { jti?: string; accountId?: string; grantId?: string; clientId?: string } | undefined>;

/** The audit records a request started, awaited before its answer is sent. */
const pending = new WeakMap<object, Promise<void>[]>();
function recordFor(ctx: object, record: Promise<void>): void {
  const list = pending.get(ctx);
  if (list) list.push(record);
  else pending.set(ctx, [record]);
}

/** Records to start only once the request's answer stands (no server error, nothing thrown), then awaited like the others. */
const onceAnswered = new WeakMap<object, Array<() => Promise<void>>>();
function recordOnceAnswered(ctx: object, record: () => Promise<void>): void {
  const list = onceAnswered.get(ctx);
  if (list) list.push(record);
  else onceAnswered.set(ctx, [record]);
}

export function auditProviderEvents(provider: Provider, audit: AuditRecorder, sourceOf: (ctx: KoaContextWithOIDC) => AuditSource): void {
  // First in the chain of this function's middleware: the answer waits for every record of the
  // request. Inside it, the tokens bought by a code or refresh token are saved and it is spent
  // (oidc/edges.ts): an answer that stands after that hands the tokens out, and only then is
  // their issue recorded.
  provider.use(async (ctx, next) => {
    let answered = false;
    try {
      await next();
      answered = ctx.status < 500;
    } finally {
      if (answered) for (const record of onceAnswered.get(ctx) ?? []) recordFor(ctx, record());
      const records = pending.get(ctx);
      if (records) await Promise.all(records);
    }
  });

  // Tokens issued: recorded once they are handed out. oidc-provider emits it once its handler
  // has the answer, before the tokens are saved and what bought them is spent; a request that
  // then fails (the store refusing or too late: 503) hands nothing out, and the trail must not
  // say it did.
  provider.on('grant.success', (ctx: KoaContextWithOIDC) => {
    const entities = ctx.oidc.entities as unknown as Entities;
    const grantType = String(ctx.oidc.params?.grant_type ?? '');
    // client_credentials issues a ClientCredentials token: no account (no actor), no grant.
    const token = entities.AccessToken ?? entities.ClientCredentials;
    const source = sourceOf(ctx);
    recordOnceAnswered(ctx, () =>
      audit.record(
        {
          type: grantType === 'refresh_token' ? 'token.refreshed' : 'token.issued',
          outcome: 'success',
          actor: entities.Account?.accountId ?? token?.accountId,
          clientId: ctx.oidc.client?.clientId,
          details: { grantType, accessToken: hashId(token?.jti), grant: hashId(token?.grantId) },
        },
        source,
      ),
    );
  });

  /** A code or refresh token presented again (`reused`: its grant revoked) or by two requests at once (`presented-at-once`). */
  function recordReplay(ctx: KoaContextWithOIDC, how: 'reused' | 'presented-at-once', presented: { accountId?: string; grantId?: string }): void {
    const grantType = String(ctx.oidc.params?.grant_type ?? '');
    recordFor(
      ctx,
      audit.record(
        {
          type: 'token.replayed',
          outcome: 'failure',
          actor: presented.accountId,
          clientId: ctx.oidc.client?.clientId,
          reason: `${grantType === 'refresh_token' ? 'refresh-token' : 'code'}-${how}`,
          details: { grantType, grant: hashId(presented.grantId) },
        },
        sourceOf(ctx),
      ),
    );
  }

  // A code or refresh token presented by two requests at once: the later one to consume it is
  // refused "try again" (503) and its grant is not revoked (store/token-consumption.ts); tried
  // again, it is the replay below. Both are what a stolen code or token raced against the
  // application looks like, so the trail has the first sign too.
  provider.on('grant.error', (ctx: KoaContextWithOIDC, err: Error) => {
    if (err instanceof ConsumedMeanwhileError) recordReplay(ctx, 'presented-at-once', err);
  });

  // A code or refresh token presented again: oidc-provider refuses it and revokes its grant, every
  // token issued from it. At the token endpoint only: a revocation (token.revoked) and a logout
  // (logout.front) revoke grants too, and are recorded as what they are.
  provider.on('grant.revoked', (ctx: KoaContextWithOIDC, grantId: string) => {
    if (ctx.oidc?.route !== 'token') return;
    const entities = ctx.oidc.entities as unknown as Entities;
    recordReplay(ctx, 'reused', { accountId: (entities.RefreshToken ?? entities.AuthorizationCode)?.accountId, grantId });
  });

  provider.use(async (ctx, next) => {
    await next();
    const route = (ctx as KoaContextWithOIDC).oidc?.route;
    if (route === 'pushed_authorization_request') return auditPushedRequest(ctx as KoaContextWithOIDC);
    if (route !== 'revocation' && route !== 'introspection') return;
    const oidc = (ctx as KoaContextWithOIDC).oidc;
    const entities = oidc.entities as unknown as Entities;
    const token = entities.AccessToken ?? entities.RefreshToken ?? entities.ClientCredentials;
    const body = ctx.body as { active?: boolean } | undefined;
    // An application checking one of its own live tokens is routine, and a resource server
    // may do it on every call: counted in /metrics, not chained. What the trail keeps: a
    // token found inactive (expired, revoked, unknown, another client's) and every refusal.
    if (route === 'introspection' && ctx.status < 400 && body?.active === true) return;
    await audit.record(
      {
        type: route === 'revocation' ? 'token.revoked' : 'token.introspected',
        outcome: ctx.status < 400 ? 'success' : 'failure',
        actor: token?.accountId,
        clientId: oidc.client?.clientId,
        details: { token: hashId(token?.jti), ...(route === 'introspection' ? { active: body?.active === true } : {}) },
      },
      sourceOf(ctx as KoaContextWithOIDC),
    );
  });

  /**
   * A pushed request stored (201), or refused to a client that authenticated (its error code
   * as reason). One that failed client authentication (401) is left to the abuse limits and the
   * request log, as at /token: an address guessing secrets does not write the chain.
   */
  function auditPushedRequest(ctx: KoaContextWithOIDC): Promise<void> | undefined {
    const { oidc } = ctx;
    if (ctx.status === 401 || !oidc.client) return;
    const pushed = oidc.entities.PushedAuthorizationRequest as { jti?: string; dpopJkt?: string } | undefined;
    const body = ctx.body as { expires_in?: number; error?: string } | undefined;
    const stored = ctx.status === 201 && pushed;
    return audit.record(
      {
        type: 'authorization.pushed',
        outcome: stored ? 'success' : 'failure',
        clientId: oidc.client.clientId,
        ...(stored ? {} : { reason: String(body?.error ?? ctx.status).slice(0, 60) }),
        details: stored ? { request: hashId(pushed.jti), expiresIn: body?.expires_in, dpop: Boolean(pushed.dpopJkt) } : {},
      },
      sourceOf(ctx),
    );
  }

  provider.on('end_session.success', (ctx: KoaContextWithOIDC) => {
    recordFor(
      ctx,
      audit.record({ type: 'logout.front', outcome: 'success', actor: ctx.oidc.session?.accountId, clientId: ctx.oidc.client?.clientId }, sourceOf(ctx)),
    );
  });
  provider.on('backchannel.success', (_ctx: KoaContextWithOIDC, client: { clientId: string }, accountId: string) => {
    void audit.record({ type: 'logout.backchannel', outcome: 'success', actor: accountId, clientId: client.clientId });
  });
  provider.on('backchannel.error', (_ctx: KoaContextWithOIDC, err: Error, client: { clientId: string }, accountId: string) => {
    void audit.record({ type: 'logout.backchannel', outcome: 'failure', actor: accountId, clientId: client.clientId, reason: err.message.slice(0, 120) });
  });
}
