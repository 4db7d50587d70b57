import * as fs from 'fs';

/**
 * True while a process of that pid exists and runs (one of another user counts: signalling it is refused, not
 * absent). A killed process stays a zombie until its parent reaps it; it runs nothing and uses no folder, so it
 * counts as gone.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    return processState(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')) !== 'Z';
  } catch (error) {
    // Gone since the signal, or no /proc (not Linux): then the signal's answer stands.
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

/** The state letter of a /proc/<pid>/stat line ("R", "S", "Z", …): the field after the command's closing parenthesis. */
export function processState(stat: string): string {
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
}
