import * as fs from 'fs';
import * as path from 'path';

/** One folder to rebuild: where it goes, and what writes its new content. */
export interface DirectoryBuild {
  /** The folder to replace. */
  readonly target: string;
  /** Writes the new content into `staging`, a fresh folder beside the target. */
  readonly build: (staging: string) => void;
}

/**
 * Builds new versions of folders in temporary siblings and puts them in place only when every build
 * succeeded. A failure leaves every target exactly as it was. Each swap is two renames on one file
 * system (old out of the way, new in), so no target is ever half-written; folders not named are never
 * touched.
 */
export function replaceDirectories(builds: readonly DirectoryBuild[]): void {
  const staged: Array<{ staging: string; target: string }> = [];
  try {
    for (const { target, build } of builds) {
      const parent = path.dirname(path.resolve(target));
      fs.mkdirSync(parent, { recursive: true });
      const staging = fs.mkdtempSync(path.join(parent, `.${path.basename(target)}-new-`));
      staged.push({ staging, target });
      build(staging);
    }
  } catch (error) {
    for (const { staging } of staged) fs.rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  for (const { staging, target } of staged) swapInto(staging, target);
}

function swapInto(staging: string, target: string): void {
  fs.chmodSync(staging, 0o755);
  if (!fs.existsSync(target)) {
    fs.renameSync(staging, target);
    return;
  }
  const retired = `${staging}-old`;
  fs.renameSync(target, retired);
  fs.renameSync(staging, target);
  fs.rmSync(retired, { recursive: true, force: true });
}
