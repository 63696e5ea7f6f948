/**
 * /admin/audit: only configured administrators, and only at eidas2 or above; a search by
 * idNat, outcome and type finds the right events; every search is itself audited (malformed
 * criteria: staff-query.test.ts).
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { startStack, type Stack } from '../support/stack.ts';
import { TestBrowser } from '../support/browser.ts';
import { exchange, signIn } from '../support/psc-login.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ name: 'admin-audit', overrides: { 'admin.idNats': ['899700427885'] } });
});
afterAll(async () => {
  await stack.close();
});

describe('/admin/audit', () => {
  it('anonymous visitors are sent to sign in', async () => {
    const page = await new TestBrowser().request(`${stack.issuer}/admin/audit`);
    assert.equal(page.status, 303);
    assert.match(page.headers.get('location') ?? '', /^\/account\/login\?return=%2Fadmin%2Faudit/);
  });

  it('a clinician who is not an administrator gets 403', async () => {
    const browser = new TestBrowser();
    await exchange(await signIn(stack, browser, { choice: { practitioner: '810101234561', means: 'card' } }));
    const page = await browser.request(`${stack.issuer}/admin/audit`);
    assert.equal(page.status, 403);
    assert.match(page.text, /réservée aux administrateurs/);
  });

  it('an administrator below eidas2 is asked to step up', async () => {
    const browser = new TestBrowser();
    await exchange(await signIn(stack, browser, { choice: { practitioner: '899700427885', means: 'card', forceAuthMode: 'unknown' } }));
    const page = await browser.request(`${stack.issuer}/admin/audit`);
    assert.equal(page.status, 303);
    assert.match(page.headers.get('location') ?? '', /^\/account\/login\?acr=eidas2&return=%2Fadmin%2Faudit/);
  });

  it('an administrator at eidas3 searches by idNat, outcome and type; the search is audited', async () => {
    const failed = new TestBrowser();
    await signIn(stack, failed, { choice: { practitioner: '810102345672', means: 'card' } });
    const browser = new TestBrowser();
    await exchange(await signIn(stack, browser, { choice: { practitioner: '899700427885', means: 'card' } }));
    const empty = await browser.request(`${stack.issuer}/admin/audit`);
    assert.equal(empty.status, 200);
    assert.ok(empty.doc.querySelector('form.search-form'));
    const page = await browser.request(`${stack.issuer}/admin/audit?idNat=810102345672&outcome=success&type=signin.succeeded`);
    assert.equal(page.status, 200);
    const rows = page.doc.querySelectorAll('tr[data-seq]');
    assert.equal(rows.length, 1);
    assert.match(rows[0]!.text, /signin\.succeeded/);
    assert.match(rows[0]!.text, /810102345672/);
    const junk = await browser.request(`${stack.issuer}/admin/audit?idNat=%7Bbad%7D&from=yesterday`);
    assert.equal(junk.status, 400, 'malformed criteria are refused (staff-query.test.ts has the cases)');
    const recent = await stack.gateways[0]!.auditLog.range({ order: 'newest-first', limit: 3 });
    const search = recent.find((e) => e.type === 'admin.action');
    assert.equal(search?.actor, '899700427885');
    assert.equal(search?.details?.action, 'audit.search');
    assert.equal(search?.details?.idNat, '810102345672');
  });
});
