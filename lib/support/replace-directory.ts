import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
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
 * where the kernel offers it (Linux renameat2), so a reader, a failure or a kill at any moment sees
 * the old tree or the new one. Elsewhere it is two renames, and the next run puts back a tree that a
 * kill between them left aside. One synth at a time writes a parent folder; the others wait.
 */
export function replaceDirectories(builds: readonly DirectoryBuild[]): void {
  const byParent = new Map<string, DirectoryBuild[]>();
  for (const build of builds) {
    const parent = path.dirname(path.resolve(build.target));
    byParent.set(parent, [...(byParent.get(parent) ?? []), build]);
  }
  for (const [parent, group] of byParent) {
    fs.mkdirSync(parent, { recursive: true });
    withDirectoryLock(parent, 'synth', () => {
      recoverAndClean(parent);
      replaceInParent(group);
    });
  }
}

function replaceInParent(builds: readonly DirectoryBuild[]): void {
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
  for (const { staging, target } of staged) swapInto(staging, target);
}

function swapInto(staging: string, target: string): void {
  if (!fs.existsSync(target)) {
    fs.renameSync(staging, target);
  } else if (exchange(staging, target)) {
    // `staging` now holds the old tree.
  } else {
    fs.renameSync(target, `${staging}${RETIRED_SUFFIX}`);
    fs.renameSync(staging, target);
    fs.renameSync(`${staging}${RETIRED_SUFFIX}`, staging);
  }
  fs.rmSync(staging, { recursive: true, force: true });
}

/** renameat2(RENAME_EXCHANGE) numbers by architecture; Node has no binding, Perl's syscall() does. */
const RENAMEAT2: Partial<Record<string, number>> = { x64: 316, arm64: 276 };
const EXCHANGE_SCRIPT = 'exit(syscall($ARGV[0], -100, $ARGV[1], -100, $ARGV[2], 2) == 0 ? 0 : 1)';

/** Swaps two folders in one step; false where the kernel, the file system or Perl cannot. */
function exchange(first: string, second: string): boolean {
  const syscall = RENAMEAT2[process.arch];
  if (syscall === undefined) return false;
  const result = spawnSync('perl', ['-e', EXCHANGE_SCRIPT, String(syscall), first, second], { stdio: 'ignore', timeout: 10_000 });
  return result.status === 0;
}

/**
 * What interrupted runs left in the parent: a tree set aside by a kill between the two renames is
 * put back where its folder is missing; staging folders are removed.
 */
function recoverAndClean(parent: string): void {
  for (const entry of fs.readdirSync(parent)) {
    const match = /^\.(.+)-new-[A-Za-z0-9]{6}(-old)?$/.exec(entry);
    if (!match) continue;
    const target = path.join(parent, match[1]);
    if (match[2] && !fs.existsSync(target)) {
      fs.renameSync(path.join(parent, entry), target);
    } else {
      fs.rmSync(path.join(parent, entry), { recursive: true, force: true });
    }
  }
}
