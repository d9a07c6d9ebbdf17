import { runCli } from '../../src/application/cli.js';
import { CapturedOutput } from '../../src/core/output.js';

export interface InProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command line in this process, as the CLI would (argument parsing, execution, errors as one line and exit
 * code 1), with what it prints captured. The log still goes to this process's stderr. For what only a real process
 * shows (stdin, the exit status of the process, fan-out children, yargs' help), spawn the built CLI (support/cli.ts).
 */
export async function ahrimanInProcess(args: string[]): Promise<InProcessResult> {
  const output = new CapturedOutput();
  const errors = new CapturedOutput();
  const code = await runCli(args, { output, errors });
  return { code, stdout: output.text(), stderr: errors.text() };
}
