// Compiles the TypeScript entry points into single bundles under build/ with esbuild. esbuild only
// strips types (no type-checking: that is `npm run typecheck`, part of `npm test`), and a bundle
// loads faster than the many files it replaces. A bundle whose inputs are all older than it is
// left alone, so `npm run synth` pays for the build only after a change.
import fs from 'fs';
import path from 'path';
import { fileURLToPath } from 'url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'build');
const entryPoints = {
  // main.ts, with lib/app/prelude.ts evaluated first: it validates config and starts helm before
  // main's imports load cdk8s.
  main: { stdin: "import './lib/app/prelude';\nimport './main';\n", inputs: ['main.ts', 'lib/app/prelude.ts'] },
  'code-cache-hook': 'lib/app/code-cache-hook.ts',
  docs: 'lib/commands/docs.ts',
  vendor: 'lib/commands/vendor.ts',
  preflight: 'lib/commands/preflight.ts',
  e2e: 'e2e/run.ts',
  bench: 'bench/bench.ts',
  'empty-app': 'bench/empty-app.ts',
};

// The bundles a synth reads on every run, and the empty app of the bench's floor, built the same way:
// without comments and indentation, which are read, hashed and decoded on every synth. Names are
// kept, so stack traces still say where.
const compact = new Set(['main', 'code-cache-hook', 'empty-app']);

// `node --require build/code-cache-hook.js build/main.js` runs a synth, so asking for main builds both.
const loadedBy = { main: ['code-cache-hook'], 'empty-app': ['code-cache-hook'] };

// `node scripts/build.mjs synth` builds only the named bundles (and those they load).
const named = process.argv.slice(2);
for (const name of named) {
  if (!(name in entryPoints)) throw new Error(`unknown bundle "${name}": expected one of ${Object.keys(entryPoints).join(', ')}`);
}
const wanted = [...new Set(named.flatMap((name) => [name, ...(loadedBy[name] ?? [])]))];

/** True when build/<name>.js exists and no file it was built from (listed in its .inputs.json) is newer. */
function isFresh(name) {
  const bundle = path.join(outdir, `${name}.js`);
  const inputsFile = path.join(outdir, `${name}.inputs.json`);
  if (!fs.existsSync(bundle) || !fs.existsSync(inputsFile)) return false;
  const builtAt = fs.statSync(bundle).mtimeMs;
  const inputs = JSON.parse(fs.readFileSync(inputsFile, 'utf8'));
  return inputs.every((input) => fs.existsSync(path.join(root, input)) && fs.statSync(path.join(root, input)).mtimeMs <= builtAt);
}

const stale = (wanted.length === 0 ? Object.keys(entryPoints) : wanted).filter((name) => !isFresh(name));
// esbuild itself takes a few hundred milliseconds to load: only when there is something to build.
const { buildSync } = stale.length > 0 ? await import('esbuild') : {};
for (const name of stale) {
  const entry = entryPoints[name];
  const source = typeof entry === 'string'
    ? { entryPoints: { [name]: entry }, outdir }
    : {
      // Named unlike any file it imports: esbuild would take an import of the same name for the entry itself.
      stdin: { contents: entry.stdin, resolveDir: root, sourcefile: `build-entry-${name}.ts`, loader: 'ts' },
      outfile: path.join(outdir, `${name}.js`),
    };
  const result = buildSync({
    absWorkingDir: root,
    ...source,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'warning',
    legalComments: 'none',
    minifyWhitespace: compact.has(name),
    // node-tar reads a chart archive only when one arrives (lib/helm/chart-content.ts requires it then):
    // left out of the bundles, Node loads it from node_modules on that first use, and no synth reads it else.
    external: ['tar'],
    metafile: true,
  });
  // A stdin entry appears as "<stdin>"; the files it names stand for it.
  const built = Object.keys(result.metafile.inputs).filter((input) => !input.startsWith('<'));
  const inputs = [...new Set([...built, ...(entry.inputs ?? []), 'scripts/build.mjs', 'package-lock.json'])];
  fs.writeFileSync(path.join(outdir, `${name}.inputs.json`), JSON.stringify(inputs));
}
