import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AUDIT_EVENT_TYPES } from '../audit/types.ts';
import { loadCatalogs, translator } from '../http/i18n.ts';
import { VIEWS_DIR } from '../http/views.ts';
import { activityLabel } from './activity-label.ts';

const catalogs = loadCatalogs(VIEWS_DIR);
const fr = translator(catalogs.fr);
const en = translator(catalogs.en);

/** Every `action` of an `admin.action` event recorded with an actor (a person's own activity), from the sources. */
function actionsWithAnActor(dir = 'src'): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...actionsWithAnActor(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
      for (const [event] of readFileSync(path, 'utf8').matchAll(/type: 'admin\.action'[^;]*?;/gs)) {
        const action = /\baction: '([\w.-]+)'/.exec(event)?.[1];
        if (action && /\bactor:/.test(event)) found.push(action);
      }
    }
  }
  return found;
}

describe('activity labels (/account)', () => {
  it('every audit event type has a label in French and in English', () => {
    for (const type of AUDIT_EVENT_TYPES) {
      for (const [lang, catalog] of Object.entries(catalogs)) {
        assert.ok(Object.hasOwn(catalog, `event.${type}`), `${lang}.json lacks event.${type}: /account would show the raw key`);
      }
    }
    for (const outcome of ['success', 'failure', 'info']) {
      for (const [lang, catalog] of Object.entries(catalogs)) assert.ok(Object.hasOwn(catalog, `outcome.${outcome}`), `${lang}.json lacks outcome.${outcome}`);
    }
  });

  it("every staff action recorded in a person's name says what it was, in French and in English", () => {
    const actions = actionsWithAnActor();
    assert.ok(actions.includes('pilot.export') && actions.includes('audit.search'), `found: ${actions.join(', ')}`);
    for (const action of actions) {
      for (const [lang, catalog] of Object.entries(catalogs)) {
        assert.ok(Object.hasOwn(catalog, `activity.action.${action}`), `${lang}.json lacks activity.action.${action}`);
      }
    }
  });

  it('a pilot export: what, in which format, for which period', () => {
    const entry = { at: 0, type: 'admin.action', outcome: 'info', action: 'pilot.export', format: 'csv', from: '2026-11-04', to: '2026-12-03' };
    assert.equal(activityLabel(entry, fr, 'fr'), 'Export des chiffres du pilote (CSV, du 4 nov. 2026 au 3 déc. 2026)');
    assert.equal(activityLabel(entry, en, 'en'), 'Pilot figures exported (CSV, 4 Nov 2026 to 3 Dec 2026)');
  });

  it('an audit search; an action without a label or recorded before actions were kept; any other event', () => {
    assert.equal(activityLabel({ at: 0, type: 'admin.action', outcome: 'info', action: 'audit.search' }, fr, 'fr'), "Recherche dans le journal d'audit");
    assert.equal(activityLabel({ at: 0, type: 'admin.action', outcome: 'info', action: 'something-new' }, fr, 'fr'), "Action sur les pages d'administration");
    assert.equal(activityLabel({ at: 0, type: 'admin.action', outcome: 'info' }, fr, 'fr'), "Action sur les pages d'administration");
    assert.equal(
      activityLabel({ at: 0, type: 'admin.action', outcome: 'info', action: 'pilot.export', format: 'csv', from: 'x', to: '2026-12-03' }, fr, 'fr'),
      'Export des chiffres du pilote (CSV)',
    );
    assert.equal(activityLabel({ at: 0, type: 'key.enrolment_started', outcome: 'info' }, fr, 'fr'), "Enregistrement d'une clé commencé");
  });
});
