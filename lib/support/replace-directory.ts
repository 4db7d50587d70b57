import * as fs from 'fs';
import * as path from 'path';
import { DirectoryExchanger } from './directory-exchange';
import { withDirectoryLock } from './directory-lock';

/** One folder to rebuild: where it goes, and what writes its new content. */
export interface DirectoryBuild {
  /** The folder to replace. */
  readonly target: string;
  /** Writes the new content into `staging`, a fresh folder beside the target. */
  readonly build: (staging: string) => void;
}

const STAGING_MARK = '-new-';
const RETIRED_SUFFIX = '-old';

/**
 * Builds new versions of folders in temporary siblings and puts them in place only when every build
 * succeeded; folders not named are never touched. Each swap is one atomic exchange of the two folders
 * where the exchanger can (Linux renameat2), so a reader, a failure or a kill at any moment sees the
 * old tree or the new one. Otherwise it is two renames, and the next run puts back a tree that a kill
 * between them left aside. One synth at a time writes a parent folder; the others wait.
 */
export async function replaceDirectories(builds: readonly DirectoryBuild[], exchanger?: DirectoryExchanger): Promise<void> {
  const byParent = new Map<string, DirectoryBuild[]>();
  for (const build of builds) {
    const parent = path.dirname(path.resolve(build.target));
    byParent.set(parent, [...(byParent.get(parent) ?? []), build]);
  }
  for (const [parent, group] of byParent) {
    fs.mkdirSync(parent, { recursive: true });
    await withDirectoryLock(parent, 'synth', async () => {
      recoverAndClean(parent, group.map((build) => path.basename(path.resolve(build.target))));
      await replaceInParent(group, exchanger);
    });
  }
}

async function replaceInParent(builds: readonly DirectoryBuild[], exchanger: DirectoryExchanger | undefined): Promise<void> {
  const staged: Array<{ staging: string; target: string }> = [];
  try {
    for (const { target, build } of builds) {
      const staging = fs.mkdtempSync(path.join(path.dirname(path.resolve(target)), `.${path.basename(target)}${STAGING_MARK}`));
      staged.push({ staging, target: path.resolve(target) });
      build(staging);
      fs.chmodSync(staging, 0o755);
    }
  } catch (error) {
    for (const { staging } of staged) fs.rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  for (const { staging, target } of staged) await swapInto(staging, target, exchanger);
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
