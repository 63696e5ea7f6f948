import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Request } from 'express';
import { createKeyNames, createMemoryStore } from '../store/index.ts';
import { asOneRequest, outsideAnyRequest } from '../store/request-scope.ts';
import { createSessionAssuranceStore } from '../assurance/index.ts';
import { createCredentialRepository, type StoredCredential } from '../webauthn/index.ts';
import type { AuditInput } from '../audit/types.ts';
import { UserFacingError } from '../http/errors.ts';
import type { InteractionDeps, InteractionDetails } from './context.ts';
import { refuseEndedAuthentication } from './ended-authentication.ts';

const IDNAT = '810101234561';

function setup() {
  const store = createMemoryStore();
  const keyNames = createKeyNames('t:');
  const recorded: AuditInput[] = [];
  const deps = {
    store,
    keyNames,
    sessions: createSessionAssuranceStore(store, keyNames),
    credentials: createCredentialRepository(store, keyNames),
    audit: { record: async (input: AuditInput) => void recorded.push(input) },
  } as unknown as InteractionDeps;
  // Another instance: its own repository, writing outside the request under test.
  const elsewhere = createCredentialRepository(store, keyNames);
  const key: StoredCredential = {
    id: randomBytes(16).toString('base64url'),
    idNat: IDNAT,
    publicKey: randomBytes(77).toString('base64url'),
    counter: 0,
    transports: ['usb'],
    deviceType: 'singleDevice',
    backedUp: false,
    aaguid: '2fc0579f-8113-47ea-b116-bb5a8db9202a',
    attestationFormat: 'packed',
    kind: 'security-key',
    name: 'Clé',
    createdAt: 1_700_000_000_000,
  };
  const details = { uid: 'interaction-uid', params: { client_id: 'test-rp' } } as unknown as InteractionDetails;
  const refuse = (authTime: number) => refuseEndedAuthentication(deps, {} as Request, details, { accountId: IDNAT, authTime, keyId: key.id });
  return { deps, elsewhere, key, recorded, refuse };
}

async function refusedBecause(promise: Promise<void>, recorded: AuditInput[], why: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => error instanceof UserFacingError && error.status === 403 && error.code === 'session_ended');
  assert.deepEqual(
    recorded.map((e) => [e.type, e.reason, (e.details as { why?: string } | undefined)?.why]),
    [['signin.failed', 'session-ended', why]],
  );
}

describe('an authentication ended while its pages were open', () => {
  it('finishes when nothing ended it', async () => {
    const { deps, key, refuse, recorded } = setup();
    await deps.credentials.add(key);
    await refuse(Date.now());
    assert.deepEqual(recorded, []);
  });

  it('is refused once its key is revoked, also when the revocation comes during the request that already read the key', async () => {
    const { deps, elsewhere, key, refuse, recorded } = setup();
    await deps.credentials.add(key);
    await asOneRequest(async () => {
      // What a key sign-in reads before it finishes: the key, then the account's keys (notices).
      assert.equal((await deps.credentials.lookup(key.id)).state, 'active');
      assert.equal((await deps.credentials.listUsable(IDNAT)).length, 1);
      await outsideAnyRequest(() => elsewhere.revoke(IDNAT, key.id));
      await refusedBecause(refuse(Date.now()), recorded, 'key-revoked');
    });
  });

  it('is refused once every key of the account is revoked (offboarding)', async () => {
    const { deps, elsewhere, key, refuse, recorded } = setup();
    await deps.credentials.add(key);
    await asOneRequest(async () => {
      await deps.credentials.listUsable(IDNAT);
      await outsideAnyRequest(() => elsewhere.revokeAll(IDNAT));
      await refusedBecause(refuse(Date.now()), recorded, 'key-revoked');
    });
  });

  it("is refused once an administrator ended the account's authentications after it", async () => {
    const { deps, key, refuse, recorded } = setup();
    await deps.credentials.add(key);
    const authTime = Date.now();
    await asOneRequest(async () => {
      await refuse(authTime);
      await outsideAnyRequest(() => deps.sessions.endAccount(IDNAT, authTime + 1, 60));
      await refusedBecause(refuse(authTime), recorded, 'account-sessions-ended');
    });
  });
});
