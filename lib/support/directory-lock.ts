import * as fs from 'fs';
import * as path from 'path';
import { UserError } from './errors';
import { isAlive } from './process-alive';

const OWNER_FILE = 'owner';
const POLL_MS = 50;

/**
 * Runs `body` holding a lock named `<name>.lock` in `parent`: a folder, since creating one is atomic,
 * holding the owner's pid. Other processes wait for it; a lock whose owner is gone (killed) is taken
 * over. So concurrent synths of one tree write one after the other and all succeed.
 */
export async function withDirectoryLock<T>(parent: string, name: string, body: () => Promise<T>, timeoutMs = 120_000): Promise<T> {
  const lock = path.join(parent, `.${name}.lock`);
  const deadline = Date.now() + timeoutMs;
  while (!tryLock(lock)) {
    if (Date.now() > deadline) {
      const holder = `process ${readOwner(lock) ?? '?'}`;
      throw new UserError(`${lock} has been held by ${holder} for ${timeoutMs / 1000}s: wait for it, or remove the folder if no synth runs`);
    }
    sleep(POLL_MS);
  }
  try {
    return await body();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

function tryLock(lock: string): boolean {
  try {
    fs.mkdirSync(lock);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const owner = readOwner(lock);
    // A lock without its owner file is being created or removed right now: wait for it.
    if (owner === undefined || isAlive(owner)) return false;
    fs.rmSync(lock, { recursive: true, force: true });
    return false;
  }
  fs.writeFileSync(path.join(lock, OWNER_FILE), String(process.pid));
  return true;
}

function readOwner(lock: string): number | undefined {
  try {
    const owner = Number(fs.readFileSync(path.join(lock, OWNER_FILE), 'utf8'));
    return Number.isInteger(owner) && owner > 0 ? owner : undefined;
  } catch {
    return undefined;
  }
}


function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
