/**
 * KeyFileError: a key file (or the keys folder) that is missing, unreadable or malformed. The
 * message names the file and what to do; start-up prints it as one line and exits with code 2.
 */
export class KeyFileError extends Error {
  constructor(file: string, problem: string) {
    super(`keys: ${file}: ${problem}`);
    this.name = 'KeyFileError';
  }
}
