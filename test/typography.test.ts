/**
 * French typography of the texts people read (page templates, message catalogues, the PSC
 * simulator's messages and practitioner notes): a guillemet « is followed, and » preceded, by a
 * no-break space (U+00A0; `\u00a0` in TypeScript strings), so that a line never breaks inside
 * « Plus tard ».
 */
import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Files whose text is shown to people. */
function shownTexts(): string[] {
  const walk = (dir: string, ends: string[]): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return walk(path, ends);
      return ends.some((e) => name.endsWith(e)) ? [path] : [];
    });
  return [...walk('views', ['.eta', '.json']), 'src/sandbox/psc/login-form.ts', 'src/sandbox/rp/error-messages.ts', 'config/sandbox/psc-practitioners.json'];
}

describe('typography', () => {
  it('« and » hold their text with a no-break space (U+00A0), never a breaking one or none', () => {
    const bad: string[] = [];
    for (const file of shownTexts()) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          // In TypeScript sources the space is written as an escape (\u00a0), visible to readers.
          if (/«(?!\u00A0|\\u00a0)|(?<!\u00A0|\\u00a0)»/.test(line)) bad.push(`${file}:${i + 1}: ${line.trim().slice(0, 120)}`);
        });
    }
    assert.deepEqual(bad, []);
  });
});
