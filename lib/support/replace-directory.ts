import * as fs from 'fs';
import * as path from 'path';

/**
 * Builds a new version of `target` in a temporary sibling folder and puts it in place only when the
 * build succeeded. A failure leaves `target` exactly as it was. The swap is two renames on one file
 * system (old out of the way, new in), so `target` is never half-written.
 */
export function replaceDirectory(target: string, build: (staging: string) => void): void {
  const parent = path.dirname(path.resolve(target));
  fs.mkdirSync(parent, { recursive: true });
  const staging = fs.mkdtempSync(path.join(parent, `.${path.basename(target)}-new-`));
  try {
    build(staging);
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  swapInto(staging, target);
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
