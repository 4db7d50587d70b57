import * as fs from 'fs';
import * as path from 'path';
import { CodeCache } from '../../lib/support/code-cache';
import { tempDir } from '../helpers';

describe('CodeCache', () => {
  const { dir, cleanup } = tempDir('code-cache');
  const cacheDir = path.join(dir, 'cache');
  afterAll(cleanup);

  let copies = 0;
  /**
   * Writes the bundle to a folder of its own each time: V8 keeps what it compiled in memory, keyed by
   * file name, and a second load of the same file in this process would not look at the cache at all.
   */
  function writeBundle(source: string): string {
    copies += 1;
    const file = path.join(dir, `copy-${copies}`, 'bundle.js');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, source);
    return file;
  }

  function cacheFiles(): string[] {
    return fs.existsSync(cacheDir) ? fs.readdirSync(cacheDir).sort() : [];
  }

  const source = "const path = require('path');\nexports.describe = (n) => `${path.basename(__filename)} ${n * 2}`;\n";
  type Bundle = { describe(n: number): string };

  test('a first load compiles, runs the bundle as a module, and persist() writes the cache', () => {
    const cache = new CodeCache(cacheDir);
    const loaded = cache.load<Bundle>(writeBundle(source));
    expect(loaded.fromCache).toBe(false);
    expect(loaded.exports.describe(21)).toBe('bundle.js 42');
    expect(cacheFiles()).toEqual([]);
    cache.persist();
    expect(cacheFiles()).toEqual([expect.stringMatching(/^bundle-[0-9a-f]{24}\.bin$/)]);
  });

  test('the next load takes the compiled code from the cache and behaves the same', () => {
    const loaded = new CodeCache(cacheDir).load<Bundle>(writeBundle(source));
    expect(loaded.fromCache).toBe(true);
    expect(loaded.exports.describe(5)).toBe('bundle.js 10');
  });

  test('a damaged cache file is ignored, never handed to V8, and rewritten', () => {
    const [name] = cacheFiles();
    const file = path.join(cacheDir, name);
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 10] ^= 0xff;
    fs.writeFileSync(file, bytes);
    const cache = new CodeCache(cacheDir);
    const loaded = cache.load<Bundle>(writeBundle(source));
    expect(loaded.fromCache).toBe(false);
    expect(loaded.exports.describe(1)).toBe('bundle.js 2');
    cache.persist();
    expect(new CodeCache(cacheDir).load<Bundle>(writeBundle(source)).fromCache).toBe(true);
  });

  test('a truncated cache file is ignored', () => {
    const [name] = cacheFiles();
    fs.writeFileSync(path.join(cacheDir, name), Buffer.alloc(16));
    expect(new CodeCache(cacheDir).load<Bundle>(writeBundle(source)).fromCache).toBe(false);
  });

  test('a rebuilt bundle gets its own cache, and the old build\'s file is removed', () => {
    const other = path.join(cacheDir, 'other-0123456789abcdef01234567.bin');
    fs.writeFileSync(other, 'another bundle');
    const [oldName] = cacheFiles().filter((name) => name.startsWith('bundle-'));
    const cache = new CodeCache(cacheDir);
    const rebuilt = cache.load<Bundle>(writeBundle(source.replace('n * 2', 'n * 3')));
    expect(rebuilt.fromCache).toBe(false);
    expect(rebuilt.exports.describe(2)).toBe('bundle.js 6');
    cache.persist();
    const bundleFiles = cacheFiles().filter((name) => name.startsWith('bundle-'));
    expect(bundleFiles).toHaveLength(1);
    expect(bundleFiles[0]).not.toBe(oldName);
    expect(fs.existsSync(other)).toBe(true);
  });

  test('a cache folder that cannot be written costs only the speed-up', () => {
    const notADirectory = path.join(dir, 'a-file');
    fs.writeFileSync(notADirectory, '');
    const cache = new CodeCache(notADirectory);
    expect(cache.load<Bundle>(writeBundle(source)).exports.describe(4)).toBe('bundle.js 8');
    expect(() => cache.persist()).not.toThrow();
  });

  test('CODE_CACHE_DIR chooses the folder, and "off" turns the cache off', () => {
    expect(CodeCache.fromEnvironment(dir, { CODE_CACHE_DIR: 'off' })).toBeUndefined();
    expect(CodeCache.fromEnvironment(dir, {})).toBeInstanceOf(CodeCache);
  });
});
