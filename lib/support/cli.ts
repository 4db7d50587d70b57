import { UserError } from './errors';

/**
 * Runs a command's body. Each problem of a UserError is printed as one line on stderr, with exit
 * code 1 and no stack trace; anything else is a bug and is printed in full.
 */
export async function runCli(name: string, body: () => void | Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    reportError(name, error);
  }
}

/** Prints the error as a command reports it (one line per problem of a UserError) and sets exit code 1. */
export function reportError(name: string, error: unknown): void {
  const problems = error instanceof UserError ? error.problems : fileSystemProblem(error);
  if (problems) {
    process.stderr.write(problems.map((problem) => `${errorPrefix(name)}${problem}\n`).join(''));
  } else {
    process.stderr.write(`${name}: internal error (please report):\n${(error as Error)?.stack ?? String(error)}\n`);
  }
  process.exitCode = 1;
}

/** How each line of a command's failure starts: "synth: error: ". */
export function errorPrefix(name: string): string {
  return `${name}: error: `;
}

/**
 * A file-system call that failed on a path the user chose (an output or cache folder under a regular
 * file, a read-only or full disk): the machine's problem, said in one line, not a bug.
 */
function fileSystemProblem(error: unknown): readonly string[] | undefined {
  const failure = error as NodeJS.ErrnoException;
  if (!(error instanceof Error) || !failure.code || !failure.syscall || !failure.path) return undefined;
  const reason = failure.message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '');
  return new UserError(`cannot ${failure.syscall} ${failure.path}: ${reason}`).problems;
}
