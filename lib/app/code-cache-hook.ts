import Module from 'module';
import * as path from 'path';
import { CodeCache } from '../support/code-cache';
import { PROJECT_ROOT } from '../support/project-root';

/*
 * build/code-cache-hook.js, which `node --require` loads before build/main.js: Node 20 compiles a
 * required file from scratch every time (Node 22 has module.enableCompileCache()), so this hands
 * Node's loader the bundles of its own folder through V8's code cache, and writes the cache after a
 * run that succeeded. Nothing in main.ts knows about it.
 */

type Loader = (target: Module, filename: string) => void;

const codeCache = CodeCache.fromEnvironment(PROJECT_ROOT);
if (codeCache) {
  const extensions = (Module as unknown as { _extensions: Record<string, Loader> })._extensions;
  const loadJavaScript = extensions['.js'];
  extensions['.js'] = (target, filename) => {
    if (path.dirname(filename) === __dirname) codeCache.loadInto(target, filename);
    else loadJavaScript(target, filename);
  };
  process.once('exit', (code) => {
    if (code === 0) codeCache.persist();
  });
}
