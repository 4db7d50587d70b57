import { isUserError } from './errors';

/**
 * Runs a command's body. A UserError is printed as one line on stderr with exit code 1 and no stack
 * trace; anything else is a bug and is printed in full.
 */
export function runCli(name: string, body: () => void): void {
  try {
    body();
  } catch (error) {
    report(name, error);
  }
}

/** runCli for a body that awaits. */
export async function runCliAsync(name: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    report(name, error);
  }
}

function report(name: string, error: unknown): void {
  if (isUserError(error)) {
    process.stderr.write(`${name}: error: ${error.message.replace(/\s*\n\s*/g, ' ')}\n`);
  } else {
    process.stderr.write(`${name}: internal error (please report):\n${(error as Error)?.stack ?? String(error)}\n`);
  }
  process.exitCode = 1;
}
