/**
 * Loads the configuration: schema defaults, then a JSON file (CONFIG_FILE, default
 * config/gateway.json when present), then environment variables. Throws ConfigError
 * listing every problem at once; never returns a half-valid object.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { z } from 'zod';
import { configSchema, type Config } from './schema.ts';
import { ENV_VARIABLES, envNameFor, type EnvVariable } from './env.ts';
import { ConfigError, type ConfigProblem } from './errors.ts';
import { describeValue, expectedText } from './problem-text.ts';
import { productionProblems } from './production.ts';
import { pscAuthProblems } from './psc-auth.ts';
import { defaultUrl } from './public-urls.ts';

export interface LoadConfigOptions {
  /** Environment to read (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Folder that relative paths start from (default: process.cwd()). */
  cwd?: string;
  /** Values applied last, used by tests and the sandbox launcher. */
  overrides?: Record<string, unknown>;
}

export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const problems: ConfigProblem[] = [];

  const raw: Record<string, unknown> = readConfigFile(env, cwd, problems);
  for (const [name, spec] of Object.entries(ENV_VARIABLES)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    const parsed = envValue(name, spec, value, problems);
    if (parsed !== undefined) setPath(raw, spec.key, parsed);
  }
  for (const [key, value] of Object.entries(options.overrides ?? {})) setPath(raw, key, value);

  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    problems.push(...parsed.error.issues.flatMap((issue) => toProblems(issue, raw)));
    throw new ConfigError(problems);
  }
  if (problems.length) throw new ConfigError(problems);

  const config = parsed.data as Config;
  config.sandbox.enabled = config.sandbox.enabled ?? config.env !== 'production';
  config.issuer ??= defaultUrl(config.http.host, config.http.port);
  const { sandbox } = config;
  sandbox.pscUrl ??= defaultUrl(sandbox.host, sandbox.pscPort);
  sandbox.dpiUrl ??= defaultUrl(sandbox.host, sandbox.dpiPort);
  sandbox.dmpUrl ??= defaultUrl(sandbox.host, sandbox.dmpPort);
  sandbox.nationalUrl ??= defaultUrl(sandbox.host, sandbox.nationalPort);
  const refused = [...pscAuthProblems(config.psc), ...productionProblems(config)];
  if (refused.length) throw new ConfigError(refused);
  return config;
}

/** An environment variable's value as the schema reads it: text, a comma-separated list, or JSON. */
function envValue(name: string, spec: EnvVariable, value: string, problems: ConfigProblem[]): unknown {
  if (spec.list)
    return value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  if (!spec.json) return value;
  try {
    return JSON.parse(value) as unknown;
  } catch (err) {
    problems.push({
      key: spec.key,
      env: name,
      received: describeValue(spec.key, value),
      expected: `JSON: ${JSON_EXAMPLES[spec.key] ?? 'see README "Configuration"'} (${(err as Error).message})`,
    });
    return undefined;
  }
}

/** What a JSON variable holds, for its error message. */
const JSON_EXAMPLES: Record<string, string> = {
  'limits.networks': 'an array of networks such as [{"name":"chu-nord","cidrs":["203.0.113.0/28"]}]',
};

function readConfigFile(env: NodeJS.ProcessEnv, cwd: string, problems: ConfigProblem[]): Record<string, unknown> {
  const explicit = env.CONFIG_FILE;
  const path = resolve(cwd, explicit ?? 'config/gateway.json');
  if (!existsSync(path)) {
    if (explicit) problems.push({ key: 'CONFIG_FILE', received: JSON.stringify(explicit), expected: 'a readable JSON file' });
    return {};
  }
  try {
    const data: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (data && typeof data === 'object' && !Array.isArray(data)) return data as Record<string, unknown>;
    problems.push({ key: 'CONFIG_FILE', received: path, expected: 'a JSON object at the top level' });
  } catch (err) {
    problems.push({ key: 'CONFIG_FILE', received: path, expected: `valid JSON (${(err as Error).message})` });
  }
  return {};
}

function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (!next || typeof next !== 'object') node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts.at(-1)!] = value;
}

function getPath(source: Record<string, unknown>, path: readonly PropertyKey[]): unknown {
  let node: unknown = source;
  for (const part of path) {
    if (!node || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[part];
  }
  return node;
}

/** The variable that sets this key or the list or object it is part of (`limits.networks.0.cidrs.1` → RATE_LIMIT_NETWORKS). */
function envSetting(key: string): string | undefined {
  for (let k = key; k; k = k.slice(0, Math.max(0, k.lastIndexOf('.')))) {
    const env = envNameFor(k);
    if (env) return env;
  }
  return undefined;
}

function toProblems(issue: z.core.$ZodIssue, raw: Record<string, unknown>): ConfigProblem[] {
  const base = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((k) => {
      const key = base ? `${base}.${k}` : k;
      return {
        key,
        received: describeValue(key, getPath(raw, [...issue.path, k])),
        expected: 'no such key (check the spelling against README "Configuration")',
      };
    });
  }
  const key = base || '(root)';
  const env = envSetting(key);
  return [
    {
      key,
      ...(env ? { env } : {}),
      received: describeValue(key, getPath(raw, issue.path)),
      expected: expectedText(issue),
    },
  ];
}
