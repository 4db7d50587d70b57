import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Testing } from 'cdk8s';
import { findHelm, HelmBinary } from '../lib/helm/helm-binary';
import { dump } from 'js-yaml';
import { Manifest } from '../lib/manifests/manifest';
import { parseYaml } from '../lib/manifests/yaml';
import { PROJECT_ROOT } from '../lib/support/project-root';

/** The offline mirror of the book's chart repository, beside the project. */
export const BOOK_MIRROR = path.join(PROJECT_ROOT, '..', 'shared', 'helm-repo');
/** The offline mirror of today's chart repository (prometheus-community), beside the project. */
export const TODAY_MIRROR = path.join(PROJECT_ROOT, '..', 'shared', 'helm-repo-prometheus-community');
/** Both mirrors, for a renderer's `mirrors`. */
export const MIRRORS = [BOOK_MIRROR, TODAY_MIRROR];
/** CHART_MIRROR for a synth in a child process: both mirrors. */
export const CHART_MIRROR_VALUE = MIRRORS.join(',');

/** A fresh chart in a fresh test app. */
export function newChart(id = 'test'): { app: App; chart: Chart } {
  const app = Testing.app();
  return { app, chart: new Chart(app, id) };
}

/** The synthesized objects of a chart. */
export function synthObjects(chart: Chart): Manifest[] {
  return Testing.synth(chart) as Manifest[];
}

/** The one object of a kind (and name, when given); fails the test when there is not exactly one. */
export function findOne(objects: readonly Manifest[], kind: string, name?: string): Manifest {
  const found = objects.filter((object) => object.kind === kind && (name === undefined || object.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name ?? ''}, found ${found.length}`);
  return found[0];
}

/** A temporary directory, removed by the returned cleanup function. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Every file under a directory with its bytes, keyed by relative path, for byte-for-byte comparison. */
export function readTree(dir: string): Record<string, string> {
  const tree: Record<string, string> = {};
  const walk = (current: string): void => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else tree[path.relative(dir, full)] = fs.readFileSync(full, 'utf8');
    }
  };
  walk(dir);
  return tree;
}

const TOOLS_BIN = path.join(PROJECT_ROOT, 'tools', 'bin');
/** The install-tools.sh targets already run by this test process. */
const installed = new Set<string>();

/** Runs scripts/install-tools.sh for one target, once per test process: it builds what is missing and says so on stderr. */
function runInstallTools(target: string): void {
  if (installed.has(target)) return;
  const install = spawnSync('bash', [path.join(PROJECT_ROOT, 'scripts', 'install-tools.sh'), target], { encoding: 'utf8', stdio: ['ignore', 'inherit', 'inherit'] });
  if (install.status !== 0) throw new Error(`installing ${target} failed (exit ${install.status})`);
  installed.add(target);
}

/** A pinned tool in tools/bin, built by scripts/install-tools.sh when missing (it says so on stderr). */
export function installTool(name: 'kubectl-validate' | 'kube-score' | 'kustomize'): string {
  runInstallTools(name);
  return path.join(TOOLS_BIN, name);
}

/**
 * tools/bin/promtool-<version> (or another tool of that release's module, such as tsdb), built by
 * `scripts/install-tools.sh promtool` from its module under test/promtool/ when missing.
 */
export function installPromtool(version: string, tool = 'promtool'): string {
  runInstallTools('promtool');
  const binary = path.join(TOOLS_BIN, `${tool}-${version}`);
  if (!fs.existsSync(binary)) throw new Error(`no ${tool} ${version}: add a module for it under test/promtool/ (as v3.14 is)`);
  return binary;
}

/** Runs `body` with a fresh temporary directory, removed afterwards whatever happens. */
export function withTempDir<T>(prefix: string, body: (dir: string) => T): T {
  const { dir, cleanup } = tempDir(prefix);
  let result: T;
  try {
    result = body(dir);
  } catch (error) {
    cleanup();
    throw error;
  }
  if (result instanceof Promise) return result.finally(cleanup) as T;
  cleanup();
  return result;
}

/** The real helm behind a wrapper that counts its invocations in a file. */
export function countingHelm(dir: string): { helm: HelmBinary; calls: () => number } {
  const real = findHelm();
  const counter = path.join(dir, 'calls');
  const wrapper = path.join(dir, 'helm');
  fs.writeFileSync(wrapper, `#!/bin/sh\necho x >> '${counter}'\nexec '${real.path}' "$@"\n`, { mode: 0o755 });
  const calls = () => (fs.existsSync(counter) ? fs.readFileSync(counter, 'utf8').trim().split('\n').length : 0);
  return { helm: { ...real, path: wrapper, identity: `${real.identity}|counted` }, calls };
}

/** The cdk8s CLI as installed, the program `npx cdk8s` runs. */
export const CDK8S_CLI = path.join(PROJECT_ROOT, 'node_modules', 'cdk8s-cli', 'bin', 'cdk8s');

/**
 * Makes `workdir` a place to run `cdk8s synth` in, as a user runs it in the project: the project's cdk8s.yaml,
 * with the project-relative paths of its app command made absolute and its `output` (the CLI's scratch folder)
 * at `scratch`. The CLI run there writes dist/ and dist-<name>/ into `workdir`.
 */
export function prepareCliWorkdir(workdir: string, scratch: string): void {
  const config = parseYaml(fs.readFileSync(path.join(PROJECT_ROOT, 'cdk8s.yaml'), 'utf8')) as { app: string; output: string };
  const app = config.app.replace(/(^|[\s=])(scripts|build|\.cache)\//g, `$1${PROJECT_ROOT}/$2/`);
  fs.mkdirSync(workdir, { recursive: true });
  fs.writeFileSync(path.join(workdir, 'cdk8s.yaml'), dump({ ...config, app, output: scratch }));
}

/** The environment of a CLI run: no CDK8S_OUTDIR of the caller's, and no upgrade check (it asks the npm registry). */
export function cliEnvironment(env: Record<string, string>): NodeJS.ProcessEnv {
  const { CDK8S_OUTDIR: _ignored, ...inherited } = process.env;
  return { ...inherited, CDK8S_CHECK_UPGRADE: 'false', ...env };
}

/** Starts test/fixtures/static-server.js on 127.0.0.1 and resolves with its URL. */
export function serveDirectory(dir: string): Promise<{ url: string; server: ChildProcess }> {
  const server = spawn(process.execPath, [path.join(__dirname, 'fixtures', 'static-server.js'), dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.stdout!.once('data', (chunk: Buffer) => resolve({ url: `http://127.0.0.1:${chunk.toString().trim()}`, server }));
  });
}
