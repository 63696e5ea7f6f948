/** firstNameForGreeting: PSC's capitals become a first name as written; mixed case is kept. */
import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { firstNameForGreeting } from './first-name.ts';

describe('firstNameForGreeting', () => {
  it('writes names sent in capitals as first names', () => {
    assert.equal(firstNameForGreeting('KIT'), 'Kit');
    assert.equal(firstNameForGreeting('JEAN-PIERRE'), 'Jean-Pierre');
    assert.equal(firstNameForGreeting('MARIE ANNE'), 'Marie Anne');
    assert.equal(firstNameForGreeting('ÉLOÏSE'), 'Éloïse');
    assert.equal(firstNameForGreeting("D'ARTAGNAN"), "D'Artagnan");
    assert.equal(firstNameForGreeting(' LUCIE '), 'Lucie');
  });

  it('keeps a name already in mixed case, and text without letters', () => {
    assert.equal(firstNameForGreeting('Marie-José'), 'Marie-José');
    assert.equal(firstNameForGreeting('McKENZIE'), 'McKENZIE');
    assert.equal(firstNameForGreeting('42'), '42');
    assert.equal(firstNameForGreeting(''), '');
  });
});
