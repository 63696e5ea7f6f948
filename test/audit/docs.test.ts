/** Keeps docs/audit.md true: every event type is catalogued in code and documented, every CLI command and problem is explained. */
import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { AUDIT_CATALOGUE, AUDIT_EVENT_TYPES, CSV_COLUMNS } from '../../src/audit/index.ts';

describe('docs/audit.md', () => {
  const doc = readFileSync('docs/audit.md', 'utf8');

  it('documents every event type of AUDIT_EVENT_TYPES, and the catalogue covers them', () => {
    for (const type of AUDIT_EVENT_TYPES) {
      assert.ok(doc.includes(`| \`${type}\` |`), `${type} is missing from the event table of docs/audit.md`);
      assert.ok(AUDIT_CATALOGUE[type], `${type} is missing from src/audit/catalogue.ts`);
    }
    assert.deepEqual(Object.keys(AUDIT_CATALOGUE).sort(), [...AUDIT_EVENT_TYPES].sort());
  });

  it('explains the CLI commands, the problems verify reports and the CSV columns', () => {
    for (const text of [
      'npm run audit -- verify',
      'npm run audit -- export',
      'npm run audit -- tail',
      'npm run audit -- reindex',
      '--anchor',
      '--from-seq',
      '--file',
    ])
      assert.ok(doc.includes(text), text);
    for (const problem of ['modified', 'deleted', 'inserted', 'reordered', 'broken-link', 'truncated', 'head-mismatch', 'bad-trim-point', 'malformed']) {
      assert.ok(doc.includes(`\`${problem}\``), `verify problem ${problem} is not explained`);
    }
    assert.ok(doc.includes(CSV_COLUMNS.join(',')));
  });
});
