/**
 * The key names are data already in Redis: moving a builder into key-names.ts must not rename a
 * key (a deploy would lose the sessions' assurance records, the tombstones, the passes…).
 */
import assert from 'node:assert/strict';
import { test } from 'vitest';
import { createKeyNames } from './key-names.ts';

test('every builder writes the key names stored before the tags moved here', () => {
  const keyNames = createKeyNames('hc:');
  assert.deepEqual(
    {
      session: keyNames.sessionPart('s1', 'assurance'),
      credential: keyNames.credentialPart('cred', 'revoked'),
      client: keyNames.clientPart('rp', 'disabled'),
      jti: keyNames.jti('j1'),
      emergency: keyNames.emergencyCode('d1', 'used'),
      workstation: keyNames.workstation('w1', 'passes'),
      portalSession: keyNames.portalSession('p1', 'webauthn-reg'),
      portalLogin: keyNames.portalLogin('st'),
      shared: keyNames.custom('sessions', 'deadlines'),
    },
    {
      session: 'hc:{su:s1}:assurance',
      credential: 'hc:{c:cred}:revoked',
      client: 'hc:{cl:rp}:disabled',
      jti: 'hc:{jti:j1}:once',
      emergency: 'hc:{emergency:d1}:used',
      workstation: 'hc:{ws:w1}:passes',
      portalSession: 'hc:{ps:p1}:webauthn-reg',
      portalLogin: 'hc:{pl:st}:portal-login',
      shared: 'hc:{sessions}:deadlines',
    },
  );
});

test("a credential's parts share its slot", () => {
  const keyNames = createKeyNames('hc:');
  const tag = (key: string) => /\{[^}]*\}/.exec(key)?.[0];
  assert.equal(tag(keyNames.credentialPart('x', 'revoked')), tag(keyNames.credential('x')));
});
