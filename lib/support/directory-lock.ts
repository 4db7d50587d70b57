import * as fs from 'fs';
import * as path from 'path';
import { UserError } from './errors';
import { claimFolder, folderOwner, isAlive, sleepSync } from './processes';

const POLL_MS = 50;

/**
 * Takes a lock named `<name>.lock` in `parent` and returns the function that releases it. The lock is a
 * folder, since creating one is atomic, holding the owner's pid. Other processes wait for it; a lock
 * whose owner is gone (killed) is taken over. So concurrent synths of one tree write one after the
 * other and all succeed.
 */
export function acquireDirectoryLock(parent: string, name: string, timeoutMs = 120_000): () => void {
  const lock = path.join(parent, `.${name}.lock`);
  const deadline = Date.now() + timeoutMs;
  while (!tryLock(lock)) {
    if (Date.now() > deadline) {
      const holder = `process ${folderOwner(lock) ?? '?'}`;
      throw new UserError(`${lock} has been held by ${holder} for ${timeoutMs / 1000}s: wait for it, or remove the folder if no synth runs`);
    }
    sleepSync(POLL_MS);
  }
  return () => fs.rmSync(lock, { recursive: true, force: true });
}

function tryLock(lock: string): boolean {
  try {
    fs.mkdirSync(lock);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const owner = folderOwner(lock);
    // A lock without its owner file is being created or removed right now: wait for it.
    if (owner === undefined || isAlive(owner)) return false;
    fs.rmSync(lock, { recursive: true, force: true });
    return false;
  }
  claimFolder(lock);
  return true;
}


