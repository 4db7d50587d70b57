import { createHash } from 'crypto';
import * as fs from 'fs';
import Module from 'module';
import * as path from 'path';
import * as vm from 'vm';
import { writeFileAtomically } from './atomic-file';

/** Environment variable naming another folder for compiled code; "off" turns the cache off. */
const CODE_CACHE_DIR_ENV = 'CODE_CACHE_DIR';
const DIGEST_BYTES = 32;

/** A CommonJS bundle loaded with V8's code cache, and whether the cache was used. */
export interface CachedBundle<T> {
  /** What the bundle exports. */
  readonly exports: T;
  /** True when V8 took the compiled code from the cache instead of compiling the bundle. */
  readonly fromCache: boolean;
}

interface LoadedScript {
  readonly script: vm.Script;
  readonly cacheFile: string;
  readonly needsWrite: boolean;
}

/**
 * Loads esbuild bundles the way `require` does, but with V8's code cache, so a synth does not compile
 * the same megabyte of JavaScript on every run. Node 22 has this built in (module.enableCompileCache);
 * Node 20, which this project supports, does not.
 *
 * One cache file per bundle content, Node version and architecture. The file starts with the sha256 of
 * the compiled code it holds: V8 itself checks only the source length, version and flags, so a
 * damaged file is caught here and ignored, never handed to V8. Writing is deferred to {@link persist},
 * called after the work, so the cache also holds the functions V8 compiled lazily while it ran.
 * The cache is a speed-up only: an unreadable, unwritable or rejected cache just means compiling.
 */
export class CodeCache {
  private readonly loaded: LoadedScript[] = [];

  constructor(private readonly dir: string) {}

  /** The cache in $CODE_CACHE_DIR, else `<projectRoot>/.cache/code`; undefined when set to "off". */
  public static fromEnvironment(projectRoot: string, env: NodeJS.ProcessEnv = process.env): CodeCache | undefined {
    const configured = env[CODE_CACHE_DIR_ENV];
    if (configured === 'off') return undefined;
    return new CodeCache(configured || path.join(projectRoot, '.cache', 'code'));
  }

  /** Runs the bundle at `file` as a new CommonJS module and returns its exports. */
  public load<T>(file: string): CachedBundle<T> {
    const filename = path.resolve(file);
    const bundleModule = new Module(filename, module);
    const fromCache = this.loadInto(bundleModule, filename);
    return { exports: bundleModule.exports as T, fromCache };
  }

  /**
   * Runs the bundle at `filename` as `target`, the way Node's loader would (require.extensions), and
   * says whether V8 took its compiled code from the cache.
   */
  public loadInto(target: Module, filename: string): boolean {
    // Hashing the bytes is a quarter of the cost of hashing the decoded string.
    const bytes = fs.readFileSync(filename);
    const source = bytes.toString('utf8');
    const cacheFile = path.join(this.dir, `${path.basename(filename, '.js')}-${cacheKey(bytes)}.bin`);
    const cachedData = readVerified(cacheFile);
    const script = new vm.Script(Module.wrap(source), { filename, cachedData });
    const fromCache = cachedData !== undefined && !script.cachedDataRejected;
    this.loaded.push({ script, cacheFile, needsWrite: !fromCache });
    runAsModule(script, target, filename);
    return fromCache;
  }

  /**
   * Writes the cache of every bundle loaded without one, and removes the caches of earlier builds of
   * the same bundle. Never throws: a read-only checkout only loses the speed-up, with one warning.
   */
  public persist(): void {
    for (const { script, cacheFile, needsWrite } of this.loaded) {
      if (!needsWrite) continue;
      try {
        writeVerified(cacheFile, script.createCachedData());
        removeOtherBuilds(cacheFile);
      } catch (error) {
        // Only a speed-up: the next run compiles again. Said once, so a slow synth has a reason.
        const reason = (error as NodeJS.ErrnoException).code ?? String(error);
        process.stderr.write(`synth: warning: code cache ${this.dir} cannot be written (${reason}); going on without it\n`);
        return;
      }
    }
  }
}

/** Calls the module wrapper with the arguments Node's own loader gives it. */
function runAsModule(script: vm.Script, target: Module, filename: string): void {
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  target.filename = filename;
  const targetRequire = Module.createRequire(filename);
  wrapper.call(target.exports, target.exports, targetRequire, target, filename, path.dirname(filename));
  target.loaded = true;
}

/** Code compiled by another Node (or from other source) is never looked at. */
function cacheKey(source: Buffer): string {
  return createHash('sha256').update(`${process.version}\0${process.arch}\0`).update(source).digest('hex').slice(0, 24);
}

function readVerified(file: string): Buffer | undefined {
  let content: Buffer;
  try {
    content = fs.readFileSync(file);
  } catch {
    return undefined;
  }
  if (content.length <= DIGEST_BYTES) return undefined;
  const data = content.subarray(DIGEST_BYTES);
  return digest(data).equals(content.subarray(0, DIGEST_BYTES)) ? data : undefined;
}

function writeVerified(file: string, data: Buffer): void {
  writeFileAtomically(file, Buffer.concat([digest(data), data]));
}

function removeOtherBuilds(cacheFile: string): void {
  const bundleName = path.basename(cacheFile).replace(/-[0-9a-f]+\.bin$/, '');
  const dir = path.dirname(cacheFile);
  for (const name of fs.readdirSync(dir)) {
    if (name !== path.basename(cacheFile) && name.startsWith(`${bundleName}-`) && /^[0-9a-f]+\.bin$/.test(name.slice(bundleName.length + 1))) {
      fs.rmSync(path.join(dir, name), { force: true });
    }
  }
}

function digest(data: Buffer): Buffer {
  return createHash('sha256').update(data).digest();
}
