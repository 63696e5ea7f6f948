import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { ConfigError, formatProblem } from '../config/index.ts';
import { checkDelegationTenant } from './delegation-claims.ts';

describe('checkDelegationTenant', () => {
  it("refuses a delegation client without the establishment's identifier, naming the setting", () => {
    try {
      checkDelegationTenant([{ client_id: 'psc-delegation', psc_delegation: true }], undefined);
      assert.fail('expected a refusal');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      const [line] = err.problems.map(formatProblem);
      assert.match(
        line!,
        /^config: delegation\.tenantId \(DELEGATION_TENANT_ID\) = \(missing\) — expected the establishment's identifier sent to Pro Santé Connect as "tid" \(client psc-delegation/,
      );
    }
  });

  it('accepts it with an identifier, and any clients file without a delegation client', () => {
    assert.doesNotThrow(() => checkDelegationTenant([{ client_id: 'psc-delegation', psc_delegation: true }], 'FINESS-750712184'));
    assert.doesNotThrow(() => checkDelegationTenant([{ client_id: 'demo-dpi' }], undefined));
  });
});
