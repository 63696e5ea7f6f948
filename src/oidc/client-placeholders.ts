/**
 * fillPlaceholders: config/clients.json registers the sandbox's demo applications at
 * "${SANDBOX_DPI_URL}/callback" and the like, so that their registrations follow where they run.
 * A string that starts with "${" must name a known placeholder; in production none is known and
 * such a file is refused (ConfigError naming the entry), as any address that is not a URL.
 */
import { ConfigError, type ConfigProblem } from '../config/index.ts';
import type { Config } from '../config/index.ts';

/** Placeholder name (without ${}) → its value, an origin such as http://localhost:3002. */
export type ClientPlaceholders = Readonly<Record<string, string>>;

const PLACEHOLDER = /^\$\{([A-Z][A-Z0-9_]*)\}/;

/** The demo applications' URLs outside production; undefined in production (nothing is filled in). */
export function clientPlaceholders(config: Pick<Config, 'env' | 'sandbox'>): ClientPlaceholders | undefined {
  if (config.env === 'production') return undefined;
  return { SANDBOX_DPI_URL: config.sandbox.dpiUrl, SANDBOX_DMP_URL: config.sandbox.dmpUrl, SANDBOX_PSC_URL: config.sandbox.pscUrl };
}

/** A copy of the parsed clients file with its placeholders replaced; throws ConfigError on any it cannot fill. */
export function fillPlaceholders(data: unknown, values: ClientPlaceholders | undefined, source: string): unknown {
  const problems: ConfigProblem[] = [];
  const known = Object.keys(values ?? {})
    .map((name) => `\${${name}}`)
    .join(', ');
  const fill = (node: unknown, key: string): unknown => {
    if (Array.isArray(node)) return node.map((item, i) => fill(item, `${key}[${i}]`));
    if (node && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, fill(v, `${key}.${k}`)]));
    }
    if (typeof node !== 'string' || !node.startsWith('${')) return node;
    const name = PLACEHOLDER.exec(node)?.[1];
    const value = name === undefined ? undefined : values?.[name];
    if (value !== undefined) return value + node.slice(name!.length + 3);
    problems.push({
      key,
      received: JSON.stringify(node),
      expected: values
        ? `an address, or one of ${known} followed by a path (the sandbox's demo applications)`
        : "the application's own URL: ${…} names a sandbox demo application's address, filled in outside production only",
    });
    return node;
  };
  const filled = fill(data, source);
  if (problems.length) throw new ConfigError(problems);
  return filled;
}
