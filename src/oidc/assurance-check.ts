/**
 * The gateway's own check in oidc-provider's login prompt (oidc-provider does not enforce
 * acr_values itself). At every authorization request it asks for a new sign-in when the
 * session's authentication is below what this relying party needs (step-up) or when the
 * session outlived its idle or absolute limit. When the request can proceed it sets the acr
 * to issue: the level reached, or phr/phrh when asked for and met — never the level asked.
 * It also asks for the step an application's own rules still want of the session (a key as
 * second factor, a key enrolment), at every authorization, single sign-on included, and applies
 * the policy for a session used from another browser or address (session-context.ts).
 * `rememberSessionAssurance` then stores the session's assurance and its deadline.
 */
import { interactionPolicy, errors, type KoaContextWithOIDC } from 'oidc-provider';
import {
  acceptedForDelegation,
  issuedAcr,
  rulesAskSteps,
  satisfies,
  stepRulesAsk,
  type Assurance,
  type AssurancePolicy,
  type SessionAssurance,
  type SessionAssuranceStore,
  type Requirement,
} from '../assurance/index.ts';
import { gatewayProperties } from './client-properties.ts';
import { requestRequirement } from './request-requirement.ts';
import type { SessionLifetimes } from './session-limits.ts';
import type { Store, StoreBatch } from '../store/store.ts';
import { joinSessionSave } from '../store/request-scope.ts';
import type { AuditInput } from '../audit/types.ts';
import { contextOf, strictestAction, type ContextPolicy } from './session-context.ts';

export const ASSURANCE_CHECK = 'assurance_insufficient';
export const SESSION_EXPIRED_CHECK = 'session_expired';
export const CLIENT_STEP_CHECK = 'client_step_missing';
export const CONTEXT_CHANGED_CHECK = 'session_context_changed';
export const DELEGATION_CHECK = 'delegation_means_missing';

/** What the login journey hands oidc-provider in `result.login` (interactions/finish-login.ts). */
export type LoginResult = {
  accountId: string;
  acr: string;
  amr: string[];
  /** Epoch seconds of the authentication (oidc-provider's `auth_time`). */
  ts: number;
  remember: boolean;
  assurance: Assurance;
  /** Epoch ms of the authentication (the session record's `loginAt`). */
  authTime: number;
  keyId?: string | undefined;
};

export interface AssuranceCheckDeps {
  sessions: SessionAssuranceStore;
  lifetimes: SessionLifetimes;
  /** The assurance policy (per-client steps, delegation). */
  policy: AssurancePolicy;
  /** How many usable (not blocked) keys an account has. */
  usableKeys: (accountId: string) => Promise<number>;
  store: Store;
  /** Sorted set of session uids by deadline (for the sweeper). */
  deadlinesKey: string;
  clock: () => number;
  /** What to do when the session is used from another browser or address (absent: nothing). */
  context?: ContextPolicy | undefined;
  /** Records the audit events of the session checks (a browser or address change). */
  audit?: ((input: AuditInput, ctx: KoaContextWithOIDC) => Promise<void>) | undefined;
}

const STATE = Symbol('hc-assurance');
type WithState = { [STATE]?: { record: SessionAssurance; requirement: Requirement } };

/** Records on the request that the level check let it through, with the session's record (saved by rememberSessionAssurance). */
export function markPassed(oidc: object, record: SessionAssurance, requirement: Requirement): void {
  (oidc as WithState)[STATE] = { record, requirement };
}

type CurrentRecord = { record?: SessionAssurance; fresh: boolean };
/** One read of the session's record per authorization request, shared by the checks (an audited address change updates it once). */
const CURRENT = new WeakMap<object, Promise<CurrentRecord>>();

function currentRecord(deps: AssuranceCheckDeps, ctx: KoaContextWithOIDC): Promise<CurrentRecord> {
  let current = CURRENT.get(ctx.oidc);
  if (!current) {
    current = readCurrentRecord(deps, ctx);
    CURRENT.set(ctx.oidc, current);
  }
  return current;
}

async function readCurrentRecord(deps: AssuranceCheckDeps, ctx: KoaContextWithOIDC): Promise<CurrentRecord> {
  const { oidc } = ctx;
  const login = (oidc.result as { login?: Partial<LoginResult> } | undefined)?.login;
  const client = gatewayProperties(oidc.client);
  if (login?.assurance && typeof login.authTime === 'number' && oidc.session!.accountId) {
    return {
      fresh: true,
      record: {
        ...login.assurance,
        accountId: oidc.session!.accountId,
        loginAt: login.authTime,
        lastSeenAt: deps.clock(),
        profile: deps.lifetimes.profileFor(client.session_profile, ctx.ip),
        ...contextOf(ctx.get('user-agent'), ctx.ip),
      },
    };
  }
  const record = oidc.session!.uid ? await deps.sessions.get(oidc.session!.uid) : undefined;
  return { fresh: false, record: record?.accountId === oidc.session!.accountId ? record : undefined };
}

export function sessionChecks(deps: AssuranceCheckDeps) {
  const { Check } = interactionPolicy;

  const expired = new Check(SESSION_EXPIRED_CHECK, 'the session ended (idle or absolute lifetime)', 'login_required', async (ctx) => {
    if (!ctx.oidc.session!.accountId) return Check.NO_NEED_TO_PROMPT;
    const { record, fresh } = await currentRecord(deps, ctx);
    if (!record) return Check.REQUEST_PROMPT;
    if (fresh) return (await sessionEnded(deps, ctx, record)) ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT;
    const client = gatewayProperties(ctx.oidc.client);
    const deadline = deps.lifetimes.deadline(record, deps.lifetimes.profileFor(client.session_profile, ctx.ip));
    return deps.clock() > deadline ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT;
  });

  const contextChanged = new Check(
    CONTEXT_CHANGED_CHECK,
    'the session is used from another browser or address than the one it was opened in',
    'login_required',
    async (ctx) => {
      if (!deps.context || !ctx.oidc.session!.accountId) return Check.NO_NEED_TO_PROMPT;
      const { record, fresh } = await currentRecord(deps, ctx);
      if (!record || fresh) return Check.NO_NEED_TO_PROMPT;
      const now = contextOf(ctx.get('user-agent'), ctx.ip);
      const changes = deps.context.changes(record, now);
      const action = strictestAction(changes);
      if (!action) return Check.NO_NEED_TO_PROMPT;
      for (const c of changes) {
        await deps.audit?.(
          {
            type: 'session.changed',
            outcome: c.action === 'audit' ? 'info' : 'failure',
            actor: record.accountId,
            clientId: ctx.oidc.client?.clientId,
            reason: `${c.change}-changed`,
            details: { change: c.change, action: c.action, fromNetwork: c.fromNetwork, toNetwork: c.toNetwork },
          },
          ctx,
        );
      }
      if (action === 'audit') {
        // Audited once: the session goes on from the new address (the browser is never updated).
        if (changes.some((c) => c.change === 'address')) record.address = now.address;
        return Check.NO_NEED_TO_PROMPT;
      }
      if (action === 'end') await endSession(deps, ctx.oidc.session!.uid!, record);
      return Check.REQUEST_PROMPT;
    },
  );

  const insufficient = new Check(
    ASSURANCE_CHECK,
    'the authentication does not reach the level this client requires',
    'login_required',
    async (ctx) => {
      const { oidc } = ctx;
      if (!oidc.session!.accountId) return Check.NO_NEED_TO_PROMPT;
      const requirement = requestRequirement({ acr_values: oidc.params!.acr_values, claims: oidc.claims }, gatewayProperties(oidc.client));
      const { record, fresh } = await currentRecord(deps, ctx);
      if (!record) return Check.REQUEST_PROMPT;
      if (!satisfies(record, requirement)) {
        if (fresh)
          throw new errors.CustomOIDCProviderError('unmet_authentication_requirements', 'the authentication does not reach the level this client requires');
        return Check.REQUEST_PROMPT;
      }
      markPassed(oidc, record, requirement);
      // The acr this authorization issues may be below the session's (an essential acr with values:
      // the highest requested value met, OIDC Core §5.5.1.1). oidc-provider reads it from the
      // context's `acr` getter (the session's acr) when it writes the code and the ID token, and
      // offers no hook for it: an own property on this request's context shadows the getter for
      // this request only; the session keeps the level it reached.
      Object.defineProperty(oidc, 'acr', { value: issuedAcr(record, requirement), configurable: true });
      return Check.NO_NEED_TO_PROMPT;
    },
    (ctx) => ({ requirement: requestRequirement({ acr_values: ctx.oidc.params!.acr_values, claims: ctx.oidc.claims }, gatewayProperties(ctx.oidc.client)) }),
  );

  const clientStep = new Check(
    CLIENT_STEP_CHECK,
    'this client asks for a step the session has not done (a key as second factor, a key enrolment)',
    'login_required',
    async (ctx) => {
      const { oidc } = ctx;
      const client = gatewayProperties(oidc.client);
      if (!oidc.session!.accountId || !rulesAskSteps(client)) return Check.NO_NEED_TO_PROMPT;
      const { record } = await currentRecord(deps, ctx);
      if (!record) return Check.REQUEST_PROMPT;
      return stepRulesAsk(deps.policy, client, record, await deps.usableKeys(record.accountId)) ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT;
    },
  );

  // Pro Santé Connect delegating: a session opened by a means the policy does not accept for
  // delegation (PSC's own card or e-CPS, a key bound too weakly) never answers it.
  const delegation = new Check(
    DELEGATION_CHECK,
    "Pro Santé Connect delegates the sign-in and the session's means is not accepted for delegation",
    'login_required',
    async (ctx) => {
      const { oidc } = ctx;
      if (!oidc.session!.accountId || !gatewayProperties(oidc.client).psc_delegation) return Check.NO_NEED_TO_PROMPT;
      const { record, fresh } = await currentRecord(deps, ctx);
      if (!record) return Check.REQUEST_PROMPT;
      if (acceptedForDelegation(deps.policy, record)) return Check.NO_NEED_TO_PROMPT;
      if (fresh)
        throw new errors.CustomOIDCProviderError('unmet_authentication_requirements', 'the means used is not accepted for delegation to Pro Sante Connect');
      return Check.REQUEST_PROMPT;
    },
  );

  return [expired, contextChanged, delegation, insufficient, clientStep];
}

/**
 * A login handed over by an interaction whose authentication an administrator ended while its
 * pages were open (the interactions refuse it first; this keeps the provider from reviving it).
 */
async function sessionEnded(deps: AssuranceCheckDeps, ctx: KoaContextWithOIDC, record: SessionAssurance): Promise<boolean> {
  const uid = ctx.oidc.session!.uid;
  // Both read at once: one round trip.
  const [accountEnded, saved] = await Promise.all([
    deps.sessions.accountEndedSince(record.accountId, record.loginAt),
    uid ? deps.sessions.get(uid) : undefined,
  ]);
  if (accountEnded) return true;
  return saved?.revokedAt !== undefined && saved.revokedAt >= record.loginAt;
}

/**
 * The interaction policy: oidc-provider's default prompts, with the gateway's session checks
 * in `login` replacing its exact-match essential acr checks (a higher level meets a request
 * for a lower one; an exact match would loop a clinician whose level is above the one asked).
 */
export function gatewayInteractionPolicy(deps: AssuranceCheckDeps) {
  const policy = interactionPolicy.base();
  const login = policy.get('login')!;
  login.checks.remove('essential_acr');
  login.checks.remove('essential_acrs');
  for (const check of sessionChecks(deps)) login.checks.add(check);
  return policy;
}

/** Ends a session at once (the sweeper tells its applications and deletes it at its next round). */
async function endSession(deps: AssuranceCheckDeps, uid: string, record: SessionAssurance): Promise<void> {
  const now = deps.clock();
  await deps.sessions.revoke(uid, now, assuranceTtlSeconds(deps.lifetimes, record, now));
  await deps.store.zadd(deps.deadlinesKey, now, uid);
}

/**
 * Koa middleware: after an authorization the check let through, stores the session's assurance
 * and deadline. The assurance goes with the session's own save when the authorization saves
 * its session (one script call, one read and one write of the session's record: the two are
 * parts of one key), in a batch of its own otherwise; the deadline with it either way.
 */
export function rememberSessionAssurance(deps: AssuranceCheckDeps) {
  return async (ctx: KoaContextWithOIDC, next: () => Promise<void>) => {
    const passed = () => {
      const state = (ctx.oidc as unknown as WithState | undefined)?.[STATE];
      const uid = ctx.oidc?.session?.uid;
      return state && uid ? { uid, record: { ...state.record, lastSeenAt: deps.clock() } } : undefined;
    };
    let joined = false;
    const leave = joinSessionSave((uid, batch) => {
      const now = passed();
      if (now?.uid !== uid) return;
      saveWithDeadline(deps, batch, uid, now.record);
      joined = true;
    });
    try {
      await next();
    } finally {
      leave();
    }
    // Saved with the session, deadline included (whether or not that save was applied: a failed one failed the request).
    if (joined) return;
    const after = passed();
    if (!after) return;
    const batch = deps.store.batch();
    saveWithDeadline(deps, batch, after.uid, after.record);
    await batch.exec();
  };
}

/**
 * Queues a session's assurance and its deadline for the sweeper: the deadline first, so that in
 * the session's own save the record's part comes right before the part the adapter queues next
 * (the session's id), both one write of the key. The sweeper acts on a deadline only once it has
 * passed, long after the session's writes.
 */
function saveWithDeadline(deps: AssuranceCheckDeps, batch: StoreBatch, uid: string, record: SessionAssurance): void {
  batch.zadd(deps.deadlinesKey, deps.lifetimes.deadline(record), uid);
  deps.sessions.saveIn(batch, uid, record, assuranceTtlSeconds(deps.lifetimes, record, deps.clock()));
}

/** How long a session's assurance record outlives the session's absolute lifetime: a minute, for the sweeper. */
export const ASSURANCE_KEPT_AFTER_SECONDS = 60;

/** How long a session's assurance record is kept: its absolute lifetime, and ASSURANCE_KEPT_AFTER_SECONDS more for the sweeper. */
export function assuranceTtlSeconds(lifetimes: SessionLifetimes, record: SessionAssurance, now: number): number {
  return Math.max(1, Math.ceil((record.loginAt + lifetimes.limits(record.profile).absoluteMs - now) / 1000) + ASSURANCE_KEPT_AFTER_SECONDS);
}
