import * as fs from 'fs';
import * as path from 'path';
import { isAlive } from '../support/processes';

/*
 * dist/ and dist-<name>/ are replaced whole or not at all: each app writes a folder beside its target,
 * and only once every app has synthesized is each put in place by two renames (the old folder aside,
 * the new one in). The folders set aside are removed only once every target holds its new folder; a
 * publish that fails part way puts every target back as it was before it reports the failure. Between
 * the two renames of a target it is missing for a moment; a synth killed right then leaves the old
 * folder aside, and the next synth puts it back. Every folder a synth makes carries its pid, so that the
 * next synth tells what a killed one left from what a running one still uses.
 *
 * Synths running at once on one checkout need no lock: when a rename finds another synth's folder
 * already in place, that one is set aside too and the rename is tried again, so the last synth to
 * finish wins and every target is always one synth's whole output.
 */

const STAGED = 'new';
const SET_ASIDE = 'old';
const LEFTOVER = /^\.(.+)-(new|old)-(\d+)$/;

/** Staging folders beside their targets, put in place by {@link publish} or removed by {@link discard}. */
export class OutputFolders {
  /** Makes one empty staging folder per target, in the targets' order ({@link staging}). */
  public static stage(targets: readonly string[]): OutputFolders {
    const folders = new OutputFolders(targets.map((target) => path.resolve(target)));
    for (const parent of new Set(folders.staging.map((staging) => path.dirname(staging)))) fs.mkdirSync(parent, { recursive: true });
    try {
      for (const staging of folders.staging) fs.mkdirSync(staging);
    } catch (error) {
      folders.discard();
      throw error;
    }
    return folders;
  }

  /** The staging folder of each target, in the targets' order. */
  public readonly staging: readonly string[];

  private constructor(private readonly targets: readonly string[]) {
    this.staging = targets.map((target) => besideTarget(target, STAGED));
  }

  /**
   * Puts every staging folder in place of its target, then removes the folders they replaced. When a
   * rename fails, every target already replaced gets its old folder back before the error is thrown.
   */
  public publish(): void {
    const replaced: number[] = [];
    try {
      this.targets.forEach((target, index) => {
        replace(target, this.staging[index]);
        replaced.push(index);
      });
    } catch (error) {
      const failed = replaced.length;
      for (const index of [failed, ...replaced.reverse()]) putBack(this.targets[index], this.staging[index]);
      throw error;
    }
    for (const target of this.targets) fs.rmSync(besideTarget(target, SET_ASIDE), { recursive: true, force: true });
  }

  /** Removes the staging folders; the targets stay as they were. */
  public discard(): void {
    for (const staging of this.staging) fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** `.dist-new-<pid>` or `.dist-old-<pid>` beside `dist`. */
function besideTarget(target: string, role: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}-${role}-${process.pid}`);
}

/** The old target aside, the staging folder in its place; the old one stays aside until every target is in. */
function replace(target: string, staging: string): void {
  const setAside = besideTarget(target, SET_ASIDE);
  for (;;) {
    fs.rmSync(setAside, { recursive: true, force: true });
    ignore(['ENOENT'], () => fs.renameSync(target, setAside));
    // Another synth put its folder in place between the two renames: set that one aside too.
    if (ignore(['ENOTEMPTY', 'EEXIST'], () => fs.renameSync(staging, target))) break;
  }
}

/**
 * Undoes {@link replace} as far as it got: this synth's folder back to staging (where discard removes it),
 * the folder set aside back in place. Best effort: a target it cannot restore is restored by the next synth.
 */
function putBack(target: string, staging: string): void {
  const setAside = besideTarget(target, SET_ASIDE);
  try {
    if (!fs.existsSync(setAside)) return;
    if (!fs.existsSync(staging)) fs.renameSync(target, staging);
    fs.renameSync(setAside, target);
  } catch {
    // Left as it is: the folder set aside carries this synth's pid, and the next synth puts it back.
  }
}

/**
 * What killed synths left beside `outdir` and the dist-<name>/ folders beside it: a folder set aside goes
 * back where its target is missing, anything else is removed. Folders of running synths are left to them.
 */
export function recoverLeftovers(outdir: string): void {
  const parent = path.dirname(path.resolve(outdir));
  const base = path.basename(outdir);
  let entries: string[];
  try {
    entries = fs.readdirSync(parent);
  } catch {
    return; // No folder yet, or none possible: nothing was left, and making one says why it cannot.
  }
  for (const entry of entries) {
    const [, name, role, pid] = LEFTOVER.exec(entry) ?? [];
    if (name === undefined || (name !== base && !name.startsWith(`${base}-`))) continue;
    if (Number(pid) !== process.pid && isAlive(Number(pid))) continue;
    const leftover = path.join(parent, entry);
    const target = path.join(parent, name);
    if (role === SET_ASIDE && !fs.existsSync(target)) ignore(['ENOENT'], () => fs.renameSync(leftover, target));
    else fs.rmSync(leftover, { recursive: true, force: true });
  }
}

/** Runs `action`; true when it succeeded, false when it failed with one of `codes` (any other failure is thrown). */
function ignore(codes: readonly string[], action: () => void): boolean {
  try {
    action();
    return true;
  } catch (error) {
    if (!codes.includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
    return false;
  }
}
