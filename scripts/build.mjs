// Compiles the TypeScript entry points into single bundles under build/ with esbuild. esbuild only
// strips types (no type-checking: that is `npm run typecheck`, part of `npm test`), so this takes a
// fraction of a second, and the bundle loads faster than the many files it replaces.
import { buildSync } from 'esbuild';
import { fileURLToPath } from 'url';
import path from 'path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entryPoints = {
  main: 'main.ts',
  vendor: 'scripts/vendor.ts',
  preflight: 'scripts/preflight.ts',
  e2e: 'scripts/e2e.ts',
  bench: 'scripts/bench.ts',
  'empty-app': 'scripts/empty-app.ts',
};

// `node scripts/build.mjs main` builds only the named bundles (synth needs only main).
const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!(name in entryPoints)) throw new Error(`unknown bundle "${name}": expected one of ${Object.keys(entryPoints).join(', ')}`);
}
const selected = wanted.length === 0 ? entryPoints : Object.fromEntries(wanted.map((name) => [name, entryPoints[name]]));

buildSync({
  absWorkingDir: root,
  entryPoints: selected,
  outdir: 'build',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  logLevel: 'warning',
  legalComments: 'none',
});
