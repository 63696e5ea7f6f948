/**
 * Thrown by StoreBatch.exec() when some queued commands failed at execution time (e.g.
 * WRONGTYPE). Redis does not roll back a batch (a script call, like a MULTI/EXEC), so the
 * other commands WERE applied.
 */

export interface BatchFailure {
  /** Command that failed, e.g. "SREM". */
  command: string;
  /** Key it was applied to. */
  key: string;
  /** The backend's error message. */
  message: string;
}

export class BatchError extends Error {
  readonly failures: BatchFailure[];

  constructor(failures: BatchFailure[], total: number) {
    const detail = failures.map((f) => `${f.command} ${f.key}: ${f.message}`).join('; ');
    super(`store batch: expected all ${total} commands to succeed, ${failures.length} failed ` + `(the others were applied, there is no rollback): ${detail}`);
    this.name = 'BatchError';
    this.failures = failures;
  }
}
