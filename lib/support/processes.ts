import * as fs from 'fs';
import * as path from 'path';

/*
 * Folders that belong to a running process (a lock, a work folder) record its pid, so that a later
 * run can tell an abandoned one from a busy one.
 */

const OWNER_FILE = 'owner.pid';

/** True while a process of that pid exists (one of another user counts: signalling it is refused, not absent). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Records this process as the folder's owner. */
export function claimFolder(dir: string): void {
  fs.writeFileSync(path.join(dir, OWNER_FILE), String(process.pid));
}

/** The pid that owns the folder, or undefined while it has none recorded (yet, or any more). */
export function folderOwner(dir: string): number | undefined {
  try {
    const owner = Number(fs.readFileSync(path.join(dir, OWNER_FILE), 'utf8'));
    return Number.isInteger(owner) && owner > 0 ? owner : undefined;
  } catch {
    return undefined;
  }
}

/** True when the folder records an owner and that process is gone. */
export function isAbandoned(dir: string): boolean {
  const owner = folderOwner(dir);
  return owner !== undefined && !isAlive(owner);
}

/** Blocks this thread for `ms`: for waits inside synchronous code, while other processes do the work. */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
