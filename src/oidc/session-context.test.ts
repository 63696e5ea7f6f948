import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { configSchema } from '../config/schema.ts';
import { contextOf, createContextPolicy, strictestAction } from './session-context.ts';

const base = configSchema.parse({
  limits: { networks: [{ name: 'chu-nord', cidrs: ['203.0.113.0/28'] }] },
  sessions: { sharedWorkstation: { networks: ['10.12.0.0/16'] } },
});
const policy = (sessions: Record<string, string> = {}) => createContextPolicy({ ...base, sessions: { ...base.sessions, ...sessions } });
const firefox = 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0';
const chrome = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36';

describe('when a session is used from another browser or address', () => {
  it('by default, another browser re-authenticates', () => {
    assert.deepEqual(policy().changes(contextOf(firefox, '10.12.1.2'), contextOf(chrome, '10.12.1.2')), [{ change: 'browser', action: 'reauthenticate' }]);
  });
  it('the same browser and address is no change', () => {
    assert.deepEqual(policy().changes(contextOf(firefox, '198.51.100.1'), contextOf(firefox, '::ffff:198.51.100.1')), []);
  });
  it('by default, an address change outside declared networks is audited', () => {
    assert.deepEqual(policy().changes(contextOf(firefox, '10.12.1.2'), contextOf(firefox, '198.51.100.9')), [
      { change: 'address', action: 'audit', fromNetwork: 'shared-workstation', toNetwork: undefined },
    ]);
  });
  it('a move between declared networks (a ward NAT, the shared workstations) is none', () => {
    assert.deepEqual(policy({ addressChange: 'end' }).changes(contextOf(firefox, '10.12.1.2'), contextOf(firefox, '203.0.113.5')), []);
  });
  it('each setting is applied, and the strictest wins', () => {
    const changes = policy({ browserChange: 'audit', addressChange: 'end' }).changes(contextOf(firefox, '198.51.100.1'), contextOf(chrome, '198.51.100.2'));
    assert.deepEqual(
      changes.map((c) => `${c.change}:${c.action}`),
      ['browser:audit', 'address:end'],
    );
    assert.equal(strictestAction(changes), 'end');
  });
  it('ignore is ignore', () => {
    assert.deepEqual(
      policy({ browserChange: 'ignore', addressChange: 'ignore' }).changes(contextOf(firefox, '198.51.100.1'), contextOf(chrome, '198.51.100.2')),
      [],
    );
  });
  it('a record opened before the context was kept has nothing to compare', () => {
    assert.deepEqual(policy().changes({}, contextOf(chrome, '198.51.100.2')), []);
  });
});
