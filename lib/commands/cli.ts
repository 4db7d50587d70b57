import { UserError } from '../support/errors';

/**
 * Runs a command's body. Each problem of a UserError is printed as one line on stderr, with exit
 * code 1 and no stack trace; anything else is a bug and is printed in full.
 */
export async function runCli(name: string, body: () => void | Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    report(name, error);
  }
}

function report(name: string, error: unknown): void {
  if (error instanceof UserError) {
    process.stderr.write(error.problems.map((problem) => `${name}: error: ${problem}\n`).join(''));
  } else {
    process.stderr.write(`${name}: internal error (please report):\n${(error as Error)?.stack ?? String(error)}\n`);
  }
  process.exitCode = 1;
}
