/**
 * The gateway's pages in real Chromium: the sign-in journey through the PSC simulator,
 * consent, PSC refusal, an error page, logout; French and English. Each page is
 * screenshotted (test-artifacts/screenshots/), has a heading, a language, no CSP
 * violation, and can be used with the keyboard.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import * as client from 'openid-client';
import { startStack, RP_REDIRECT, type Stack } from '../support/stack.ts';
import { authorizationRequest } from '../support/psc-login.ts';
import { launchChromium, screenshot, watchConsole } from '../support/chromium.ts';

let stack: Stack;
let browser: Browser;
beforeAll(async () => {
  stack = await startStack({ name: 'e2e-pages' });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

async function newPage(): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ locale: 'fr-FR', viewport: { width: 1000, height: 800 } });
  await context.route(/^http:\/\/127\.0\.0\.1:9\//, (route) =>
    route.fulfill({ status: 200, contentType: 'text/html', body: '<title>RP</title><p>retour application</p>' }),
  );
  const page = await context.newPage();
  return { context, page, problems: watchConsole(page) };
}

/** Signs in at the PSC simulator and declines the key enrolment the gateway then offers. */
async function confirmAtPscAndSkipEnrolment(page: Page) {
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForURL(/\/enrol$/);
  await page.getByRole('button', { name: 'Plus tard' }).click();
}

async function checkPage(page: Page, name: string, problems: string[]) {
  await screenshot(page, name);
  assert.ok((await page.locator('h1').count()) >= 1, `${name}: a heading`);
  assert.match((await page.getAttribute('html', 'lang')) ?? '', /^(fr|en)$/, `${name}: a language`);
  assert.deepEqual(problems, [], `${name}: no CSP violation or script error`);
}

describe('gateway pages in Chromium', () => {
  it('sign-in page → PSC simulator → back to the application, with the keyboard', async () => {
    const { context, page, problems } = await newPage();
    const request = await authorizationRequest(stack);
    await page.goto(request.url.href);
    await checkPage(page, '01-login-fr', problems);
    assert.equal(await page.locator('h1').textContent(), 'Identifiez-vous pour accéder à Application de test');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent?.trim()), 'Aller au contenu', 'the skip link comes first');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    assert.match(
      await page.evaluate(() => document.activeElement?.textContent ?? ''),
      /Utiliser ma clé de sécurité ou mon téléphone/,
      'the key button comes first',
    );
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    assert.match(
      await page.evaluate(() => document.activeElement?.textContent ?? ''),
      /Se connecter avec Pro Santé Connect/,
      'the PSC button is reached by keyboard',
    );
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/interaction\//);
    await page.waitForSelector('form.login-form');
    await screenshot(page, '02-psc-simulator');
    await confirmAtPscAndSkipEnrolment(page);
    await page.waitForURL((u) => u.href.startsWith(RP_REDIRECT));
    assert.ok(new URL(page.url()).searchParams.get('code'), 'the application receives a code');
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('English version of the sign-in page', async () => {
    const { context, page, problems } = await newPage();
    const request = await authorizationRequest(stack);
    await page.goto(request.url.href);
    await page.getByRole('link', { name: 'English' }).click();
    await page.waitForSelector('html[lang=en]');
    assert.equal(await page.locator('h1').textContent(), 'Sign in to access Application de test');
    await checkPage(page, '03-login-en', problems);
    await context.close();
  });

  it('refusal at PSC: explanation page with retry and back buttons', async () => {
    const { context, page, problems } = await newPage();
    await page.goto((await authorizationRequest(stack)).url.href);
    await page.getByRole('button', { name: 'Se connecter avec Pro Santé Connect' }).click();
    await page.getByRole('button', { name: 'Refuser' }).click();
    await page.waitForSelector('.alert');
    await checkPage(page, '04-psc-refused', problems);
    assert.ok(await page.getByRole('button', { name: 'Réessayer avec Pro Santé Connect' }).isVisible());
    await page.getByRole('button', { name: "Revenir à l'application" }).click();
    await page.waitForURL((u) => u.href.startsWith(RP_REDIRECT));
    assert.equal(new URL(page.url()).searchParams.get('error'), 'access_denied');
    await context.close();
  });

  it('consent page for a third-party application', async () => {
    const { context, page, problems } = await newPage();
    await page.goto((await authorizationRequest(stack, { clientId: 'third-party-rp' })).url.href);
    await page.getByRole('button', { name: 'Se connecter avec Pro Santé Connect' }).click();
    await confirmAtPscAndSkipEnrolment(page);
    await page.waitForSelector('.scope-list');
    await checkPage(page, '05-consent', problems);
    await page.getByRole('button', { name: 'Autoriser' }).click();
    await page.waitForURL((u) => u.href.startsWith(RP_REDIRECT));
    await context.close();
  });

  it('error page for an unregistered redirect_uri', async () => {
    const { context, page, problems } = await newPage();
    await page.goto((await authorizationRequest(stack, { params: { redirect_uri: 'https://attacker.example/' } })).url.href);
    await checkPage(page, '06-error-redirect-uri', problems);
    assert.match((await page.locator('.alert').textContent()) ?? '', /adresse de retour/);
    await context.close();
  });

  it('logout confirmation and signed-out pages', async () => {
    const { context, page, problems } = await newPage();
    const request = await authorizationRequest(stack);
    await page.goto(request.url.href);
    await page.getByRole('button', { name: 'Se connecter avec Pro Santé Connect' }).click();
    await confirmAtPscAndSkipEnrolment(page);
    await page.waitForURL((u) => u.href.startsWith(RP_REDIRECT));
    const tokens = await client.authorizationCodeGrant(request.config, new URL(page.url()), { ...request.checks, idTokenExpected: true });
    await page.goto(client.buildEndSessionUrl(request.config, { id_token_hint: tokens.id_token! }).href);
    await checkPage(page, '07-logout-confirm', problems);
    await page.getByRole('button', { name: 'Oui, me déconnecter' }).click();
    await page.waitForSelector('text=Vous êtes déconnecté.');
    await checkPage(page, '08-logged-out', problems);
    await context.close();
  });
});
