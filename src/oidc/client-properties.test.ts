import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import type { Client } from 'oidc-provider';
import { GATEWAY_CLIENT_PROPERTIES, gatewayProperties, validateGatewayClientProperty } from './client-properties.ts';

describe('gateway client properties', () => {
  it('are the ones oidc-provider keeps', () => {
    assert.deepEqual([...GATEWAY_CLIENT_PROPERTIES].sort(), [
      'first_party',
      'key_after_ecps',
      'min_acr',
      'phishing_resistant',
      'psc_delegation',
      'session_profile',
      'webauthn_enrolment',
    ]);
  });

  it('have their defaults for a client that registers none, or no client', () => {
    const defaults = {
      first_party: false,
      webauthn_enrolment: 'offered',
      key_after_ecps: false,
      psc_delegation: false,
      min_acr: undefined,
      phishing_resistant: false,
      session_profile: 'default',
    };
    assert.deepEqual(gatewayProperties(undefined), defaults);
    assert.deepEqual(gatewayProperties({ client_id: 'dpi' } as unknown as Client), defaults);
  });

  it('keep what a client registers', () => {
    const client = { client_id: 'dmp', first_party: true, min_acr: 'eidas3', session_profile: 'shared-workstation' } as unknown as Client;
    const properties = gatewayProperties(client);
    assert.equal(properties.first_party, true);
    assert.equal(properties.min_acr, 'eidas3');
    assert.equal(properties.session_profile, 'shared-workstation');
  });

  it('are read once per client and shared, frozen: the checks of every request read them', () => {
    const client = { client_id: 'dmp', first_party: true } as unknown as Client;
    const first = gatewayProperties(client);
    assert.equal(gatewayProperties(client), first, 'the same object for the same client');
    assert.ok(Object.isFrozen(first) && Object.isFrozen(gatewayProperties(undefined)));
    assert.notEqual(gatewayProperties({ client_id: 'dpi' } as unknown as Client), first, 'another client, its own');
  });

  it('validator: refuses a value its schema does not allow, accepts absent ones and leaves other metadata alone', () => {
    assert.throws(() => validateGatewayClientProperty(undefined, 'min_acr', 'eidas4'), /min_acr: unexpected value "eidas4"/);
    assert.throws(() => validateGatewayClientProperty(undefined, 'first_party', 'yes'), /first_party/);
    for (const key of GATEWAY_CLIENT_PROPERTIES) validateGatewayClientProperty(undefined, key, undefined);
    validateGatewayClientProperty(undefined, 'webauthn_enrolment', 'required');
    validateGatewayClientProperty(undefined, 'client_name', 42);
  });
});
