/**
 * The logger the simulator writes to: any pino-compatible object. Defaults to a silent one.
 * Never pass tokens, codes, cookies or client secrets to it.
 */

/** pino-compatible logger (the subset the simulator calls). */
export interface SimulatorLogger {
  info(...a: unknown[]): void;
  warn(...a: unknown[]): void;
  error(...a: unknown[]): void;
}

export const silentLogger: SimulatorLogger = {
  info() {},
  warn() {},
  error() {},
};
