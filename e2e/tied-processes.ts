import { ChildProcess, spawn, StdioOptions } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { isAlive } from '../lib/support/processes';
import { PROJECT_ROOT } from '../lib/support/project-root';
import { waitFor } from './converge';
import { sleepSync } from './processes';

/*
 * The processes the e2e starts under tied-to-parent.sh (servers, namespace holders, containers): started in a
 * process group of their own, found and stopped here.
 */

/** Stops the command when this process ends in a way it cannot handle (SIGKILL, say). */
const TIED_TO_PARENT = path.join(PROJECT_ROOT, 'e2e', 'tied-to-parent.sh');

/** Starts the command under tied-to-parent.sh, in a process group of its own. */
export function spawnTied(command: readonly string[], options: { stdio: StdioOptions; env?: NodeJS.ProcessEnv }): ChildProcess {
  return spawn('bash', [TIED_TO_PARENT, String(process.pid), ...command], { ...options, detached: true });
}

/** The pid of the process tied-to-parent.sh started (the command itself: unshare, nsenter and chroot exec). */
export function childPid(launcher: ChildProcess): number {
  for (let waited = 0; waited < 5_000; waited += 20) {
    const pid = childPidOrZero(launcher);
    if (pid) return pid;
    sleepSync(20);
  }
  throw new Error(`${launcher.spawnargs.slice(3).join(' ')} did not start`);
}

/** A process's command name, as /proc/<pid>/comm gives it; empty once it is gone. */
export function readComm(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** childPid without waiting: 0 while tied-to-parent.sh has not yet started the command, or once it has ended. */
export function childPidOrZero(launcher: ChildProcess): number {
  try {
    return Number(fs.readFileSync(`/proc/${launcher.pid}/task/${launcher.pid}/children`, 'utf8').trim().split(' ')[0]) || 0;
  } catch {
    return 0;
  }
}

/** Stops a process started under tied-to-parent.sh and waits, synchronously as the checks do, until it has ended. */
export function endProcess(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const pid = child.pid;
  child.kill('SIGTERM');
  // tied-to-parent.sh gives its command 5 s before SIGKILL.
  waitFor(`${child.spawnargs.slice(3).join(' ')} stopped`, () => (isAlive(pid) ? 'still running' : undefined), 15_000);
}

/** Stops a process started under tied-to-parent.sh; resolves once it has exited. */
export function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  return exited;
}
