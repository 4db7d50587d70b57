import * as fs from 'fs';
import * as path from 'path';
import { isAlive } from '../lib/support/processes';

/*
 * The e2e's work folders record the pid of the run that made them, so that a later run can tell an
 * abandoned one (its run was killed) from a busy one.
 */

const OWNER_FILE = 'owner.pid';

/** Records this process as the folder's owner. */
export function claimFolder(dir: string): void {
  fs.writeFileSync(path.join(dir, OWNER_FILE), String(process.pid));
}

/** True when the folder records an owner and that process is gone. */
export function isAbandoned(dir: string): boolean {
  let owner: number;
  try {
    owner = Number(fs.readFileSync(path.join(dir, OWNER_FILE), 'utf8'));
  } catch {
    return false;
  }
  return Number.isInteger(owner) && owner > 0 && !isAlive(owner);
}

/** Blocks this thread for `ms`: the e2e's checks are synchronous and wait for controllers between looks. */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
