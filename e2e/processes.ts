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

/** Runs a command of the e2e's own (ip, mount, nsenter), argument by argument; throws naming it on failure. */
export function system(command: string, args: readonly string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${(result.stderr || result.error?.message || '').trim()}`);
  return result.stdout;
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

/**
 * Ports free on 127.0.0.1 right now, for servers that must be told theirs. Picked below the kernel's
 * ephemeral range (32768 and up by default): a port from that range, released and handed to a server
 * later, can meanwhile become the local end of any outgoing connection on this machine, which is how
 * etcd once found its port taken while other parts of the e2e ran.
 */
export function freePorts(count: number): number[] {
  const probe = `const net = require('net');
const ports = new Set(); const servers = [];
function next() {
  if (servers.length === ${count}) { console.log(servers.map((s) => s.address().port).join(' ')); servers.forEach((s) => s.close()); return; }
  let port; do { port = 20000 + Math.floor(Math.random() * 12000); } while (ports.has(port));
  ports.add(port);
  const server = net.createServer();
  server.once('error', next);
  server.listen(port, '127.0.0.1', () => { servers.push(server); next(); });
}
next();`;
  const result = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8' });
  const ports = result.stdout.trim().split(' ').map(Number);
  if (ports.length !== count || !ports.every((port) => port > 0)) throw new Error(`no free ports on 127.0.0.1: ${result.stderr}`);
  return ports;
}
