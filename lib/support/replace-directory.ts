import * as fs from 'fs';
import * as path from 'path';
import { DirectoryExchanger } from './directory-exchange';
import { acquireDirectoryLock } from './directory-lock';

const STAGING_MARK = '-new-';
const RETIRED_SUFFIX = '-old';

/**
 * New versions of folders, built in temporary siblings and put in place only when every build
 * succeeded; folders not named are never touched. Each swap is one atomic exchange of the two folders
 * where the exchanger can (Linux renameat2), so a reader, a failure or a kill at any moment sees the
 * old tree or the new one. Otherwise it is two renames, and the next run puts back a tree that a kill
 * between them left aside. One synth at a time writes a parent folder; the others wait.
 */
export class StagedDirectories {
  /**
   * Locks the parent of every target, cleans what interrupted runs left beside them, and makes one
   * empty staging folder per target, in the targets' order ({@link stagingFolders}).
   */
  public static stage(targets: readonly string[]): StagedDirectories {
    const staged = new StagedDirectories();
    try {
      const resolved = targets.map((target) => path.resolve(target));
      for (const parent of new Set(resolved.map((target) => path.dirname(target)))) {
        fs.mkdirSync(parent, { recursive: true });
        staged.releases.push(acquireDirectoryLock(parent, 'synth'));
        recoverAndClean(parent, resolved.filter((target) => path.dirname(target) === parent).map((target) => path.basename(target)));
      }
      for (const target of resolved) {
        const staging = fs.mkdtempSync(path.join(path.dirname(target), `.${path.basename(target)}${STAGING_MARK}`));
        staged.pairs.push({ staging, target });
      }
    } catch (error) {
      staged.discard();
      throw error;
    }
    return staged;
  }

  private readonly pairs: Array<{ staging: string; target: string }> = [];
  private readonly releases: Array<() => void> = [];

  private constructor() {}

  /** The staging folder of each target, in the targets' order. */
  public get stagingFolders(): string[] {
    return this.pairs.map((pair) => pair.staging);
  }

  /** Puts every staging folder in place of its target, then releases the locks. */
  public async commit(exchanger?: DirectoryExchanger): Promise<void> {
    try {
      for (const { staging } of this.pairs) fs.chmodSync(staging, 0o755);
      for (const { staging, target } of this.pairs) await swapInto(staging, target, exchanger);
      this.pairs.length = 0;
    } finally {
      this.discard();
    }
  }

  /** Removes the staging folders not yet committed and releases the locks; the targets stay as they were. */
  public discard(): void {
    for (const { staging } of this.pairs) fs.rmSync(staging, { recursive: true, force: true });
    this.pairs.length = 0;
    for (const release of this.releases.splice(0)) release();
  }
}

async function swapInto(staging: string, target: string, exchanger: DirectoryExchanger | undefined): Promise<void> {
  if (!fs.existsSync(target)) {
    fs.renameSync(staging, target);
    return;
  }
  const exchanged = exchanger !== undefined && await exchanger.exchange(staging, target);
  if (!exchanged) {
    fs.renameSync(target, `${staging}${RETIRED_SUFFIX}`);
    fs.renameSync(staging, target);
    fs.renameSync(`${staging}${RETIRED_SUFFIX}`, staging);
  }
  // Either way, `staging` now holds the old tree.
  removeTree(staging);
}

/** Removes a folder; a flat one (dist/ is) file by file, which is several times faster than rmSync. */
function removeTree(dir: string): void {
  const entries = fs.readdirSync(dir, { withFileTypes: true });
  if (entries.some((entry) => !entry.isFile())) {
    fs.rmSync(dir, { recursive: true, force: true });
    return;
  }
  for (const entry of entries) fs.unlinkSync(path.join(dir, entry.name));
  fs.rmdirSync(dir);
}

/**
 * What interrupted runs left beside the named folders: a tree set aside by a kill between the two
 * renames is put back where its folder is missing; staging folders are removed. Nothing else in the
 * parent is touched.
 */
function recoverAndClean(parent: string, names: readonly string[]): void {
  for (const entry of fs.readdirSync(parent)) {
    const match = /^\.(.+)-new-[A-Za-z0-9]{6}(-old)?$/.exec(entry);
    if (!match || !names.includes(match[1])) continue;
    const target = path.join(parent, match[1]);
    if (match[2] && !fs.existsSync(target)) {
      fs.renameSync(path.join(parent, entry), target);
    } else {
      fs.rmSync(path.join(parent, entry), { recursive: true, force: true });
    }
  }
}
