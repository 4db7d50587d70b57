import { spawnSync } from 'child_process';
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

/** The port a server of the e2e printed first into its log (git-http-server.js prints it). */
export function waitForPort(log: string, what: string): number {
  for (let waited = 0; waited < 10_000; waited += 50) {
    const port = Number(/^(\d+)$/m.exec(fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '')?.[1]);
    if (port) return port;
    sleepSync(50);
  }
  throw new Error(`${what} printed no port: ${fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : 'no log'}`);
}

/** Ports free on 127.0.0.1 right now, for servers that must be told theirs (source-controller's storage, Argo CD's). */
export function freePorts(count: number): number[] {
  const probe = `const net = require('net'); const servers = [];
for (let i = 0; i < ${count}; i += 1) servers.push(net.createServer().listen(0, '127.0.0.1'));
setTimeout(() => { console.log(servers.map((s) => s.address().port).join(' ')); servers.forEach((s) => s.close()); }, 50);`;
  return spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8' }).stdout.trim().split(' ').map(Number);
}
