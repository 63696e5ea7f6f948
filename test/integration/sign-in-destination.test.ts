/**
 * The sign-in page of the gateway's own pages names where the person is going: the pilot
 * dashboard (/pilot, /pilot/report), the audit trail (/admin/audit) or their account
 * (/account), in French and in English; a relying party's sign-in names the application.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { startStack, type Stack } from '../support/stack.ts';
import { TestBrowser } from '../support/browser.ts';
import { authorizationRequest, isRpRedirect } from '../support/psc-login.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ name: 'sign-in-destination' });
});
afterAll(async () => {
  await stack.close();
});

/** Opens `path` without a session and follows to the gateway's sign-in page; returns its heading. */
async function headingOnTheWayTo(path: string, language = 'fr-FR'): Promise<string> {
  const browser = new TestBrowser();
  const headers = { 'accept-language': language };
  let page = await browser.request(`${stack.issuer}${path}`, { headers });
  for (let hop = 0; hop < 10 && page.status >= 300 && page.status < 400; hop += 1) {
    page = await browser.request(new URL(page.headers.get('location')!, page.url), { headers });
  }
  assert.equal(page.status, 200, `${path}: ${page.text.slice(0, 200)}`);
  assert.match(page.url, /\/interaction\//, path);
  return page.doc.querySelector('h1')!.text.trim();
}

describe("sign-in page of the gateway's own pages", () => {
  for (const [path, heading] of [
    ['/pilot', 'Identifiez-vous pour accéder au tableau de bord du pilote HospiConnect'],
    ['/pilot/report?from=2026-01-01&to=2026-01-31', 'Identifiez-vous pour accéder au tableau de bord du pilote HospiConnect'],
    ['/admin/audit', "Identifiez-vous pour accéder au journal d'audit de HospiConnect"],
    ['/account', 'Identifiez-vous pour accéder à Mon espace HospiConnect'],
  ] as const) {
    it(`${path}: "${heading}"`, async () => {
      assert.equal(await headingOnTheWayTo(path), heading);
    });
  }

  it('in English', async () => {
    assert.equal(await headingOnTheWayTo('/pilot', 'en'), 'Sign in to access the HospiConnect pilot dashboard');
    assert.equal(await headingOnTheWayTo('/admin/audit', 'en'), 'Sign in to access the HospiConnect audit trail');
    assert.equal(await headingOnTheWayTo('/account', 'en'), 'Sign in to access My HospiConnect account');
  });

  it("a relying party's sign-in still names the application", async () => {
    const request = await authorizationRequest(stack);
    const { page } = await new TestBrowser().follow(request.url, {}, { stopAt: isRpRedirect });
    assert.equal(page?.doc.querySelector('h1')?.text.trim(), 'Identifiez-vous pour accéder à Application de test');
  });
});
