export { loadConfig, type LoadConfigOptions } from './load.ts';
export { issueProblems, describeValue } from './problem-text.ts';
export { ConfigError, formatProblem, type ConfigProblem } from './errors.ts';
export { ENV_VARIABLES, LAUNCHER_VARIABLES, envNameFor } from './env.ts';
export type { Config, PscMetadata } from './schema.ts';
export { loadConfigForCommand, orPrintedProblems } from './for-command.ts';
