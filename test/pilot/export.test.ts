/** The CSV export: a French spreadsheet reads it as columns, and no cell can become a formula. */
import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { figuresCsv } from '../../src/pilot/export.ts';
import { createPilotFiguresReader } from '../../src/pilot/figures.ts';
import { createPilotAggregates } from '../../src/pilot/aggregates.ts';
import { pilotFormat, embeddableJson } from '../../src/pilot/presentation.ts';
import { createMemoryStore } from '../../src/store/memory-store.ts';
import { createKeyNames } from '../../src/store/key-names.ts';
import { createViews } from '../../src/http/views.ts';

async function figuresWith(establishment: string, clientId: string) {
  const store = createMemoryStore();
  const keyNames = createKeyNames('csv:');
  await createPilotAggregates(store, keyNames).apply({
    type: 'signin.succeeded',
    outcome: 'success',
    actor: '810100000001',
    profession: '10',
    clientId,
    details: { method: 'psc-card', acr: 'eidas3', durationMs: 1234, finess: ['0B0193488'], establishments: [establishment] },
    seq: 1,
    time: '2026-11-20T10:00:00Z',
    instance: 't',
    prev: '',
    mac: '',
  });
  await createPilotAggregates(store, keyNames).apply({
    type: 'signin.succeeded',
    outcome: 'success',
    actor: '810100000002',
    profession: '60',
    clientId: 'other-app',
    details: { method: 'webauthn-synced', acr: 'eidas2', durationMs: 2000 },
    seq: 2,
    time: '2026-11-20T11:00:00Z',
    instance: 't',
    prev: '',
    mac: '',
  });
  return createPilotFiguresReader(store, keyNames).read({ from: '2026-11-20', to: '2026-11-20' });
}

describe('pilot CSV export', () => {
  const views = createViews();
  const format = pilotFormat('fr', views.t('fr'), new Map([['demo-dpi', 'DPI "démo"; urgences']]));

  it('starts with a byte-order mark, separates with semicolons and writes decimal commas', async () => {
    const csv = figuresCsv(await figuresWith('CHU GENERIQUE DE TEST', 'demo-dpi'), format);
    assert.ok(csv.startsWith('\uFEFFsection;indicateur;cle;libelle;valeur;part_pct\r\n'));
    const lines = csv.slice(1).trim().split('\r\n');
    assert.ok(lines.includes('connexions;total;;;2;'));
    assert.ok(lines.includes('connexions;par_moyen;passkey;Passkey (téléphone);1;50'));
    assert.ok(lines.includes('professionnels;actifs_moyenne_jour;;;2;'));
    assert.ok(lines.includes('duree_connexion;mediane_ms;psc-card;Carte CPS (Pro Santé Connect);1300;'), 'the 1,234 ms sign-in is in the 1.3 s bucket');
    assert.ok(lines.includes('connexions;par_application;demo-dpi;"DPI ""démo""; urgences";1;50'), 'a label with ; and " is quoted');
    assert.ok(lines.includes('connexions;par_etablissement_finess;0B0193488;CHU GENERIQUE DE TEST;1;50'));
  });

  it('neutralises a cell a spreadsheet would run as a formula', async () => {
    const csv = figuresCsv(await figuresWith('=HYPERLINK("http://evil")', 'demo-dpi'), format);
    assert.ok(
      csv.includes(`;"'=HYPERLINK(""http://evil"")";`),
      csv.split('\r\n').find((l) => l.includes('HYPERLINK')),
    );
  });

  it('embeds chart data so that no value can close the script element', () => {
    const json = embeddableJson({ label: '</script><script>alert(1)</script>&' });
    assert.doesNotMatch(json, /<|>|&/);
    assert.deepEqual(JSON.parse(json), { label: '</script><script>alert(1)</script>&' });
  });
});
