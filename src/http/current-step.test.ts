/**
 * The language link's address (http/current-step.ts): a GET's own, a named step, or none; and the layout
 * showing it in the other language, or no link. Throws AssertionError on a wrong address.
 */
import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import type { Request, Response } from 'express';
import { currentStepOf, notReplayable, showAgainAt } from './current-step.ts';
import { createViews } from './views.ts';

const request = (method: string, originalUrl: string, params: Record<string, string> = {}) => ({ method, originalUrl, params }) as unknown as Request;
const response = () => ({ locals: {} }) as unknown as Response;

describe("current step (the language link's address)", () => {
  it('a GET is shown again at its own address', () => {
    assert.equal(currentStepOf(request('GET', '/interaction/abc/enrol?x=1'), response()), '/interaction/abc/enrol?x=1');
  });

  it('a POST never is: no address unless the route names one', () => {
    assert.equal(currentStepOf(request('POST', '/interaction/abc/consent'), response()), undefined);
    const res = response();
    showAgainAt(res, '/interaction/abc');
    assert.equal(currentStepOf(request('POST', '/interaction/abc/consent'), res), '/interaction/abc');
  });

  it('a one-time GET is shown again at the address its route names, or nowhere', () => {
    const req = request('GET', '/interaction/abc/psc/done', { uid: 'abc' });
    const named = response();
    notReplayable((r) => `/interaction/${String(r.params.uid)}`)(req, named, () => {});
    assert.equal(currentStepOf(req, named), '/interaction/abc');
    showAgainAt(named, '/interaction/abc/unmet');
    assert.equal(currentStepOf(req, named), '/interaction/abc/unmet', 'the handler names a closer step');
    const none = response();
    notReplayable()(request('GET', '/federation/psc/callback?code=x&state=y'), none, () => {});
    assert.equal(currentStepOf(request('GET', '/federation/psc/callback?code=x&state=y'), none), undefined);
  });

  it('the layout links to that address in the other language, or shows no link', () => {
    const views = createViews();
    const linked = views.render('logged-out', { lang: 'fr', nonce: 'n', showAgainAt: '/session/end/success?client_id=a&lang=fr' });
    assert.match(linked, /<a class="lang-switch" href="\/session\/end\/success\?client_id=a&amp;lang=en" hreflang="en" lang="en">English<\/a>/);
    assert.doesNotMatch(views.render('logged-out', { lang: 'en', nonce: 'n' }), /lang-switch/);
  });
});
