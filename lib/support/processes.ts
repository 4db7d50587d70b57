import * as fs from 'fs';

/**
 * True while a process of that pid runs (one of another user counts: signalling it is refused, not absent). A zombie
 * does not: a killed synth whose parent died too waits for init to reap it, which may take seconds.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').pop()?.[0] !== 'Z';
  } catch {
    return true; // No /proc (not Linux): as kill said.
  }
}
