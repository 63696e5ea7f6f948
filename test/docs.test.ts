/** Keeps the docs true: every environment variable the gateway reads is documented, and the quickstart commands are the package's. */
import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ENV_VARIABLES, LAUNCHER_VARIABLES } from '../src/config/index.ts';

describe('documentation', () => {
  const operations = readFileSync('docs/operations.md', 'utf8');
  const readme = readFileSync('README.md', 'utf8');

  it('documents every environment variable in docs/operations.md', () => {
    for (const name of [...Object.keys(ENV_VARIABLES), ...LAUNCHER_VARIABLES]) {
      assert.ok(operations.includes(`| \`${name}\` |`), `${name} is missing from the configuration table`);
    }
  });

  it('shows the quickstart and test commands that package.json defines', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
    assert.match(readme, /npm install && npm start/);
    assert.match(readme, /^npm test$/m);
    for (const script of ['start', 'test', 'build', 'typecheck', 'lint', 'keys']) assert.ok(pkg.scripts[script], script);
  });

  it('says in the README why each runtime dependency is there', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string> };
    for (const dep of Object.keys(pkg.dependencies)) assert.ok(readme.includes(`\`${dep}\``), `${dep} is not explained in the README`);
  });
});
