/** A configuration value that cannot be used; start-up stops with exit code 2. */
export interface ConfigProblem {
  /** Dotted configuration key, e.g. `psc.clientSecret`. */
  key: string;
  /** Environment variable that sets it, when there is one. */
  env?: string;
  /** What was received, already redacted for secrets. */
  received: string;
  /** What is expected instead, in plain words. */
  expected: string;
}

export class ConfigError extends Error {
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[]) {
    super(`invalid configuration:\n${problems.map(formatProblem).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** One line: `config: psc.issuer (PSC_ISSUER) = "ftp://x" — expected an http(s) URL`. */
export function formatProblem(p: ConfigProblem): string {
  const where = p.env ? `${p.key} (${p.env})` : p.key;
  return `config: ${where} = ${p.received} — expected ${p.expected}`;
}
