/**
 * Runs a bench command's main(argv, out, err) in the test process and keeps what it printed:
 * its exit code, its stdout and its stderr (profile-summary.ts, alloc-summary.ts).
 */
export type CommandMain = (argv: string[], out: (text: string) => void, err: (text: string) => void) => number;

export function commandOutput(main: CommandMain, argv: string[]): { code: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const code = main(
    argv,
    (text) => (stdout += text),
    (text) => (stderr += text),
  );
  return { code, stdout, stderr };
}
