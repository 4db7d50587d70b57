// Bundles TypeScript entry points into build/<name>.js with esbuild, which only strips types (the type
// check is `npm run typecheck`, part of `npm test`). One bundle per command: Node reads one file instead
// of resolving and reading the hundreds that cdk8s and this app are made of (docs/performance.md has the
// figures). Usage: node scripts/build.mjs [name ...] (default: every entry point).
import { buildSync } from 'esbuild';
import path from 'path';
import { fileURLToPath } from 'url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entryPoints = {
  main: 'main.ts',
  docs: 'lib/commands/docs.ts',
  vendor: 'lib/commands/vendor.ts',
  preflight: 'lib/commands/preflight.ts',
  e2e: 'e2e/run.ts',
  bench: 'bench/bench.ts',
  'empty-app': 'bench/empty-app.ts',
  'helm-app': 'bench/helm-app.ts',
};

const named = process.argv.slice(2);
for (const name of named) {
  if (!(name in entryPoints)) throw new Error(`unknown bundle "${name}": expected one of ${Object.keys(entryPoints).join(', ')}`);
}
const wanted = named.length > 0 ? named : Object.keys(entryPoints);
buildSync({
  absWorkingDir: root,
  entryPoints: Object.fromEntries(wanted.map((name) => [name, entryPoints[name]])),
  outdir: path.join(root, 'build'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  logLevel: 'warning',
  legalComments: 'none',
});
