/** The outcome of one preflight check: ok, or what is wrong and how to fix it. */
export interface CheckResult {
  /** What was checked, e.g. "helm". */
  readonly name: string;
  /** True when the check passed. */
  readonly ok: boolean;
  /** One line: what was found, or what is wrong and the steps that fix it. */
  readonly detail: string;
  /** Commands that fix it, in the order to run them. @default none: the detail says what to do */
  readonly steps?: readonly string[];
}

/** A failed check for a question the cluster did not answer. */
export function cannotAsk(name: string, what: string, stderr: string): CheckResult {
  return { name, ok: false, detail: `cannot ask the cluster about ${what}: ${stderr.trim().split('\n')[0] ?? ''}` };
}
