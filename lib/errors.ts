/**
 * An error caused by the user's input or environment (config, chart digest, missing tool), as opposed
 * to a bug. The synth entry point prints its message as one line and exits non-zero without a stack
 * trace; anything else is treated as a bug and printed in full.
 */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

/**
 * True for errors that should be shown to the user as a single line. By name, not instanceof: the
 * synth entry and main.ts are separate bundles, each with its own copy of this class.
 */
export function isUserError(error: unknown): error is UserError {
  return error instanceof Error && error.name === 'UserError';
}
