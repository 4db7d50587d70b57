/**
 * An error caused by the user's input or machine (config, chart digest, missing tool), as opposed to a
 * bug. A command prints each of its problems as one line and exits 1 without a stack trace; anything
 * else is a bug and is printed in full.
 */
export class UserError extends Error {
  /** One line per problem, in the order found. */
  public readonly problems: readonly string[];

  constructor(problems: string | readonly string[]) {
    const list = typeof problems === 'string' ? [problems] : [...problems];
    super(list.join('\n'));
    this.name = 'UserError';
    this.problems = list.map(toOneLine);
  }
}

/** One line, with control characters (which a file name may hold) shown as escapes, not sent to the terminal. */
function toOneLine(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/\s*\n\s*/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f]/g, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
