import * as fs from 'fs';
import * as path from 'path';

/**
 * The folder holding this project's package.json. Found by walking up from this file, so it is the
 * same whether the code runs from lib/ (tests), from a compiled bundle in build/, or elsewhere.
 */
function findProjectRoot(start: string = __dirname): string {
  let dir = start;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${start}`);
    dir = parent;
  }
  return dir;
}

/** The project root, resolved once. */
export const PROJECT_ROOT = findProjectRoot();
