import * as fs from 'fs';
import * as path from 'path';

/**
 * Writes a file so that readers see the old content or the new, never a half-written one: the
 * content goes to a temporary file beside it, which then replaces it in one rename.
 */
export function writeFileAtomically(file: string, content: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, content);
  fs.renameSync(temporary, file);
}
