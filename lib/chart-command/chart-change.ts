import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { prometheusSettings } from '../charts/prometheus-chart';
import { Environment, environmentOutdir, loadEnvironments } from '../config/loader';
import { SYNTH_NODE_ARGS } from '../app/synth-command';
import { ensureChart, pullFromFirstSource } from '../helm/chart-archive';
import { chartContentDigest, readChartFiles } from '../helm/chart-content';
import { CHART_LOCK_FILE_ENV, ChartLock, lockedChartNames, lockedMirrors, readChartLock } from '../helm/chart-lock';
import { HelmBinary } from '../helm/helm-binary';
import { HelmRenderer } from '../helm/renderer';
import { lockTextWith } from '../helm/lock-edit';
import { readManifestFolder } from '../manifests/folder';
import { Manifest } from '../manifests/manifest';
import { parseDocuments, parseYaml } from '../manifests/yaml';
import { prometheusTemplateRequest } from '../prometheus/settings';
import { writeFileAtomically } from '../support/atomic-file';
import { errorPrefix } from '../support/cli';
import { UserError } from '../support/errors';
import { PROMETHEUS_CHARTS, PrometheusChartName } from '../support/rules';
import { describeChanges, folderChanges, isUnchanged } from './folder-changes';
import { latestChartVersion, repositorySources } from './chart-versions';
import { chartValues, valuesVerdict } from './values-verdict';

/** What `npm run chart` is asked to do. */
export interface ChartChange {
  /** `add` pins a chart the lock does not have; `bump` moves a locked chart to another version. */
  readonly action: 'add' | 'bump';
  /** The lock's name for the chart, "<repository name>/<chart name>". */
  readonly name: string;
  /** The version to lock (required to add). @default for a bump, the newest stable version the chart's sources list */
  readonly version?: string;
  /** The chart repository (`add` only; a bump keeps the locked one). */
  readonly repository?: string;
}

/** Where the project is and how its synth runs. */
export interface ChartChangeContext {
  /** The lock file to change. */
  readonly lockFile: string;
  /** Folder of the environment files. */
  readonly configDir: string;
  /** Where synth writes the default environment (the others beside it, dist-<name>/). */
  readonly outdir: string;
  /** The environment the synths run with. */
  readonly env: NodeJS.ProcessEnv;
  /** helm, for pulls and renders. */
  readonly helm: HelmBinary;
  /** Where the report goes, one line at a time. */
  readonly print: (line: string) => void;
}

/**
 * Adds or bumps one chart: the version pulled as synth pulls it, its files' digest computed by the code
 * synth verifies with, the book's values checked on its render, every environment synthesized with a
 * candidate lock into a temporary folder and compared with its folder; only then the lock is replaced
 * (comments kept) and synth writes the folders. Any refusal is a UserError thrown before anything is
 * written; a synth that fails after the lock was written puts the old lock back.
 */
export function changeChart(change: ChartChange, context: ChartChangeContext): void {
  const { lockFile, helm, print } = context;
  const locked = lockedEntry(change, lockFile);
  const source = {
    name: change.name,
    chart: change.name.split('/')[1],
    repository: locked?.repository ?? change.repository as string,
    localMirrors: lockedMirrors(lockFile),
  };
  const candidates = repositorySources(source, locked?.version, helm);
  const version = change.version ?? latestChartVersion(source, candidates, helm);
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'chart-pull-'));
  try {
    const pulled = pullFromFirstSource({ ...source, version }, candidates, staging, helm);
    const origin = `${source.chart}-${version}.tgz from ${pulled.source}`;
    requireChart(pulled.archive, source.chart, version, origin);
    const digest = chartContentDigest(pulled.archive, origin);
    if (locked?.version === version) {
      if (locked.digest === digest) {
        print(`${change.name} ${version} is already locked with this digest (${digest}): nothing changed`);
        return;
      }
      throw new UserError(`${origin} has content digest ${digest}, but ${path.basename(lockFile)} pins ${locked.digest} for that version: `
        + 'a released version\'s files must not change; refusing it');
    }
    print(`${change.name}: ${locked ? `${locked.version} -> ` : 'add '}${version} from ${pulled.source}, digest ${digest}`);
    const lockText = fs.readFileSync(lockFile, 'utf8');
    const candidateText = lockTextWith(lockText, change.name, { repository: source.repository, version, digest });
    const candidate = path.join(path.dirname(lockFile), `.${path.basename(lockFile, '.yaml')}.candidate-${process.pid}.yaml`);
    fs.writeFileSync(candidate, candidateText);
    let foldersChange: boolean;
    try {
      checkBookValues(change.name, version, { ...context, lockFile: candidate }, pulled.archive, locked);
      foldersChange = reportFolderChanges({ ...context, lockFile: candidate });
    } finally {
      fs.rmSync(candidate, { force: true });
    }
    writeFileAtomically(lockFile, candidateText);
    if (!foldersChange) {
      const hint = change.action === 'add' ? ` (nothing renders ${change.name} yet: docs/charts.md, "A chart of your own")` : '';
      print(`wrote ${path.basename(lockFile)}; no folder changes${hint}`);
      return;
    }
    const problems = synthesize(context);
    if (problems.length > 0) {
      writeFileAtomically(lockFile, lockText);
      throw new UserError(problems.map((problem) => `synth with the new lock failed: ${problem}`));
    }
    print(`wrote ${path.basename(lockFile)} and the folders (as \`npx cdk8s synth\` does)`);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** The locked entry a bump changes; none for an add, which refuses a chart already locked. */
function lockedEntry(change: ChartChange, lockFile: string): ChartLock | undefined {
  const lockName = path.basename(lockFile);
  const isLocked = lockedChartNames(lockFile).includes(change.name);
  if (change.action === 'bump') {
    if (isLocked) return readChartLock(change.name, lockFile);
    throw new UserError(`${lockName} pins no chart ${change.name}: add it with \`npm run chart -- add ${change.name}@<version> --repository <url>\``);
  }
  if (isLocked) {
    const { version } = readChartLock(change.name, lockFile);
    const bump = `\`npm run chart -- bump ${change.name} [<version>]\``;
    throw new UserError(`${lockName} already pins ${change.name} (version ${version}): bump it with ${bump}`);
  }
  return undefined;
}

/** The archive must hold the chart asked for, at the version asked for: a repository can list one chart's name for another's archive. */
function requireChart(archive: string, chart: string, version: string, origin: string): void {
  const manifest = readChartFiles(archive, origin).find((file) => /^[^/]+\/Chart\.yaml$/.test(file.path));
  let metadata: { name?: unknown; version?: unknown } | null | undefined;
  try {
    metadata = manifest ? parseYaml(manifest.content.toString('utf8')) as typeof metadata : undefined;
  } catch (error) {
    throw new UserError(`${origin} has a Chart.yaml that is not YAML: ${(error as Error).message}`);
  }
  const found = `${String(metadata?.name)} ${String(metadata?.version)}`;
  if (found !== `${chart} ${version}`) {
    throw new UserError(`${origin} holds chart ${found}, not ${chart} ${version}: the repository serves another chart than asked; refusing it`);
  }
}

/**
 * For a Prometheus chart, the values table's verdict in each environment that installs it: printed row by
 * row, and a refusal naming each value the new version no longer honours.
 */
function checkBookValues(name: string, version: string, context: ChartChangeContext, archive: string, locked: ChartLock | undefined): void {
  if (!(PROMETHEUS_CHARTS as readonly string[]).includes(name)) return;
  const chart = name as PrometheusChartName;
  const environments = environmentsOf(context).filter((environment) => environment.config.prometheus.chart === chart);
  if (environments.length === 0) return;
  const renderer = new HelmRenderer({ lockFile: context.lockFile, helm: context.helm });
  const values = chartValues(archive);
  const lockedValues = locked ? chartValues(ensureChart(locked, { helm: context.helm })) : undefined;
  const broken: Array<{ environment: string; key: string; setting: string; problem: string }> = [];
  context.print(`the book's values (lib/prometheus/translations.ts) on ${name}:`);
  for (const environment of environments) {
    const settings = prometheusSettings(environment.config);
    const render = parseDocuments(renderer.template(prometheusTemplateRequest(settings))).map((document) => document.value as Manifest);
    for (const row of valuesVerdict({ settings, render, values, lockedValues })) {
      const verdict = row.problem ? `NOT IN EFFECT: ${row.key} (${row.setting}): ${row.problem}` : `in effect: ${row.key} (${row.setting})`;
      context.print(`  ${environment.name}: ${verdict}`);
      if (row.problem) broken.push({ environment: environment.name, key: row.key, setting: row.setting, problem: row.problem });
    }
  }
  if (broken.length === 1) {
    const [{ environment, setting, problem }] = broken;
    throw new UserError(`${name} ${version} no longer honours a book value in environment ${environment}: ${problem}; `
      + `change the row "${setting}" of lib/prometheus/translations.ts`);
  }
  if (broken.length > 1) {
    const keys = [...new Set(broken.map((row) => row.key))].join(', ');
    const environments = [...new Set(broken.map((row) => row.environment))].join(', ');
    throw new UserError(`${name} ${version} no longer honours ${broken.length} book values in environment ${environments} (${keys}): `
      + 'change their rows of lib/prometheus/translations.ts (the verdict above says where each key went)');
  }
}

/** Every environment (SYNTH_ENVIRONMENTS does not narrow a lock change: every folder follows the lock). */
function environmentsOf(context: ChartChangeContext): Environment[] {
  return loadEnvironments({ configDir: context.configDir, env: synthEnvironment(context.env) });
}

/**
 * Synthesizes every environment with the context's lock into a temporary folder, and prints what each
 * folder would change; true when any would.
 */
function reportFolderChanges(context: ChartChangeContext): boolean {
  const temporary = fs.mkdtempSync(path.join(os.tmpdir(), 'chart-synth-'));
  try {
    const outdir = path.join(temporary, 'dist');
    const problems = synthesize(context, outdir);
    if (problems.length > 0) throw new UserError(problems.map((problem) => `synth with it fails: ${problem}`));
    let anyChange = false;
    for (const environment of environmentsOf(context)) {
      const folder = environmentOutdir(context.outdir, environment.name);
      const synthesized = environmentOutdir(outdir, environment.name);
      const before = fs.existsSync(folder) ? readManifestFolder(folder) : [];
      const changes = folderChanges(before, readManifestFolder(synthesized));
      const label = `${path.relative(process.cwd(), folder) || '.'}/ (${environment.name})`;
      const sameBytes = sameFiles(folder, synthesized);
      const rewritten = sameBytes ? '' : ' (its files are rewritten, with the same objects)';
      context.print(isUnchanged(changes) ? `${label}: unchanged${rewritten}` : `${label}:`);
      describeChanges(changes).forEach((line) => context.print(line));
      anyChange ||= !sameBytes;
    }
    return anyChange;
  } finally {
    fs.rmSync(temporary, { recursive: true, force: true });
  }
}

/** True when both folders hold the same files with the same bytes. */
function sameFiles(a: string, b: string): boolean {
  const list = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []);
  const files = list(a);
  return JSON.stringify(files) === JSON.stringify(list(b))
    && files.every((file) => fs.readFileSync(path.join(a, file)).equals(fs.readFileSync(path.join(b, file))));
}

/** The environment of a synth: every environment, the context's lock, and `outdir` when given. */
function synthEnvironment(env: NodeJS.ProcessEnv, lockFile?: string, outdir?: string): NodeJS.ProcessEnv {
  const { SYNTH_ENVIRONMENTS: _selection, ...rest } = env;
  return { ...rest, ...(lockFile ? { [CHART_LOCK_FILE_ENV]: lockFile } : {}), ...(outdir ? { CDK8S_OUTDIR: outdir } : {}) };
}

/** Runs the project's synth (build/main.js); returns its error lines, none when it succeeded. */
function synthesize(context: ChartChangeContext, outdir?: string): string[] {
  const result = spawnSync(process.execPath, [...SYNTH_NODE_ARGS], {
    env: synthEnvironment(context.env, context.lockFile, outdir ?? context.outdir),
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  if (result.status === 0) return [];
  const lines = (result.stderr || result.error?.message || `exit code ${result.status}`).trim().split('\n');
  const prefix = errorPrefix('synth');
  const errors = lines.filter((line) => line.startsWith(prefix)).map((line) => line.slice(prefix.length));
  return errors.length > 0 ? errors : lines;
}
