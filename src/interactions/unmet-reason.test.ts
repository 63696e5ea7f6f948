import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { unmetDescription } from './unmet-reason.ts';

/** RFC 6749 §4.1.2.1: error_description is %x20-21 / %x23-5B / %x5D-7E. */
const RFC6749_DESCRIPTION = /^[\x20-\x21\x23-\x5b\x5d-\x7e]+$/;

describe('unmetDescription', () => {
  it('says the means used fell short, naming it, its level and the level required', () => {
    const text = unmetDescription({
      reason: 'means-used-falls-short',
      method: 'psc-ecps',
      acr: 'eidas2',
      requirement: { level: 'eidas3', phishingResistant: false, hardwareProtected: false },
    });
    assert.equal(
      text,
      'the means used at Pro Sante Connect (e-CPS, eidas2) does not reach the level this client requires (eidas3); the clinician did not complete a sign-in at that level',
    );
    assert.match(text, RFC6749_DESCRIPTION);
  });

  it('says nothing the clinician has reaches the level, with its qualifiers', () => {
    const text = unmetDescription({ reason: 'no-means-reaches-the-level', requirement: { level: 'eidas3', phishingResistant: true, hardwareProtected: true } });
    assert.equal(
      text,
      'no means of authentication available to the clinician reaches the level this client requires (eidas3, phishing-resistant, hardware-protected)',
    );
  });

  it('keeps an unknown method name within the characters RFC 6749 allows', () => {
    const text = unmetDescription({
      reason: 'means-used-falls-short',
      method: 'psc-"é\\x',
      acr: 'eidas1',
      requirement: { level: 'eidas2', phishingResistant: false, hardwareProtected: false },
    });
    assert.match(text, RFC6749_DESCRIPTION);
    assert.match(text, /\(psc-x, eidas1\)/);
  });
});
