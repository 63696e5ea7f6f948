/**
 * The key names are data already in Redis: moving a builder into keys.ts must not rename a
 * key (a deploy would lose the sessions' assurance records, the tombstones, the passes…).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createKeys } from './keys.ts';

test('every builder writes the key names stored before the tags moved here', () => {
  const keys = createKeys('hc:');
  assert.deepEqual({
    session: keys.sessionPart('s1', 'assurance'),
    credential: keys.credentialPart('cred', 'revoked'),
    client: keys.clientPart('rp', 'disabled'),
    jti: keys.jti('j1'),
    emergency: keys.emergencyCode('d1', 'used'),
    workstation: keys.workstation('w1', 'passes'),
    portalSession: keys.portalSession('p1', 'webauthn-reg'),
    portalLogin: keys.portalLogin('st'),
    shared: keys.custom('sessions', 'deadlines'),
  }, {
    session: 'hc:{su:s1}:assurance',
    credential: 'hc:{c:cred}:revoked',
    client: 'hc:{cl:rp}:disabled',
    jti: 'hc:{jti:j1}:once',
    emergency: 'hc:{emergency:d1}:used',
    workstation: 'hc:{ws:w1}:passes',
    portalSession: 'hc:{ps:p1}:webauthn-reg',
    portalLogin: 'hc:{pl:st}:portal-login',
    shared: 'hc:{sessions}:deadlines',
  });
});

test('a credential\'s parts share its slot', () => {
  const keys = createKeys('hc:');
  const tag = (key: string) => /\{[^}]*\}/.exec(key)?.[0];
  assert.equal(tag(keys.credentialPart('x', 'revoked')), tag(keys.credential('x')));
});
