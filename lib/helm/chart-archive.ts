import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { parseYaml } from '../manifests/yaml';
import { UserError } from '../support/errors';
import { PROJECT_ROOT } from '../support/project-root';
import { ChartLock } from './chart-lock';
import { chartContentDigest } from './chart-content';
import { HelmBinary } from './helm-binary';
import { helmEnvironment, helmTimedOut, helmTimeoutMs } from './helm-template';

/** Environment variable naming another folder for verified chart archives (a CI cache, say). */
const CHART_CACHE_DIR_ENV = 'CHART_CACHE_DIR';
/** Where pulled and verified chart archives are kept (gitignored). */
const CHART_CACHE_DIR = path.join(PROJECT_ROOT, '.cache', 'charts');
/** Environment variable naming directories or http(s) URLs, separated by commas, that mirror the chart repositories. */
const CHART_MIRROR_ENV = 'CHART_MIRROR';

/** Where a chart archive comes from and where it is kept. */
export interface EnsureChartOptions {
  /** helm, for pulls over HTTP. */
  readonly helm: HelmBinary;
  /** Directories or http(s) URLs to pull from instead of the lock's repository, in order. @default $CHART_MIRROR, else localMirrors */
  readonly mirrors?: readonly string[];
  /** Where verified archives are kept. @default $CHART_CACHE_DIR, else .cache/charts */
  readonly cacheDir?: string;
}

/** Which chart version to pull, and the sources the lock names for it: what a pull needs of a lock entry. */
export type ChartSource = Pick<ChartLock, 'name' | 'chart' | 'version' | 'repository' | 'localMirrors'>;

/** What a verified archive's sidecar file records: the content digest it was checked against, and its bytes' sha256. */
interface Verification {
  readonly digest: string;
  readonly archive: string;
}

/**
 * Returns the path of the chart archive after checking its content digest against the lock, pulling
 * it first when it is not cached. An archive whose digest differs is never returned: the UserError
 * names the file, both digests and how to recover. The content digest is computed once, when the
 * archive arrives; later runs compare the archive's sha256 with the one recorded beside it then.
 */
export function ensureChart(lock: ChartLock, options: EnsureChartOptions): string {
  const cacheDir = options.cacheDir ?? (process.env[CHART_CACHE_DIR_ENV] || CHART_CACHE_DIR);
  const archive = path.join(cacheDir, path.dirname(lock.name), `${lock.chart}-${lock.version}.tgz`);
  if (!fs.existsSync(archive)) {
    pullChart(lock, archive, options);
  } else if (!recordedAsVerified(archive, lock)) {
    verifyDigest(archive, lock);
    recordVerification(archive, lock);
  }
  return archive;
}

/** A chart archive pulled, and the source it came from. */
interface PulledChart {
  readonly source: string;
  readonly archive: string;
}

/** sha256 of a file, as "sha256:<hex>". */
export function fileDigest(file: string): string {
  return `sha256:${createHash('sha256').update(fs.readFileSync(file)).digest('hex')}`;
}

function verificationFile(archive: string): string {
  return `${archive}.verified`;
}

function recordedAsVerified(archive: string, lock: ChartLock): boolean {
  let recorded: Partial<Verification>;
  try {
    recorded = JSON.parse(fs.readFileSync(verificationFile(archive), 'utf8')) as Partial<Verification>;
  } catch {
    return false;
  }
  return recorded.digest === lock.digest && recorded.archive === fileDigest(archive);
}

function recordVerification(archive: string, lock: ChartLock): void {
  const verification: Verification = { digest: lock.digest, archive: fileDigest(archive) };
  fs.writeFileSync(verificationFile(archive), `${JSON.stringify(verification)}\n`);
}

/** `origin` names the file for the message: the cached archive, or where a pull came from. */
function verifyDigest(archive: string, lock: ChartLock, origin: string = archive): void {
  const remedy = origin === archive ? 'delete the file and run `npm run vendor` to pull it again' : 'fix the mirror or point CHART_MIRROR elsewhere';
  let problem: string | undefined;
  try {
    const actual = chartContentDigest(archive, origin);
    if (actual !== lock.digest) problem = `${origin} has content digest ${actual}, but charts.lock.yaml pins ${lock.digest}`;
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    problem = error.message;
  }
  if (problem) throw new UserError(`chart ${lock.name} ${lock.version}: ${problem}; refusing to render it (${remedy})`);
}

/** Pulls into a temporary folder beside the cache, verifies, then moves into place in one rename. */
function pullChart(lock: ChartLock, archive: string, options: EnsureChartOptions): void {
  const cacheDir = path.dirname(archive);
  fs.mkdirSync(cacheDir, { recursive: true });
  const staging = fs.mkdtempSync(path.join(cacheDir, '.pull-'));
  try {
    const pulled = pullFromFirstSource(lock, chartSources(lock, options.mirrors), staging, options.helm);
    verifyDigest(pulled.archive, lock, `${lock.chart}-${lock.version}.tgz from ${pulled.source}`);
    fs.renameSync(pulled.archive, archive);
    recordVerification(archive, lock);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * The mirrors given (option, else CHART_MIRROR's comma-separated list) when there are any; else the
 * lock's localMirrors that exist (offline machines keep the repositories' copies there), then the
 * repository itself. Whatever the source, the digest decides.
 */
export function chartSources(lock: Pick<ChartSource, 'repository' | 'localMirrors'>, explicit?: readonly string[]): string[] {
  const mirrors = explicit ?? (process.env[CHART_MIRROR_ENV] ?? '').split(',').map((mirror) => mirror.trim()).filter((mirror) => mirror !== '');
  if (mirrors.length > 0) return [...mirrors];
  return [...lock.localMirrors.filter((dir) => fs.existsSync(path.join(dir, 'index.yaml'))), lock.repository];
}

/**
 * Pulls the chart's version into `staging` from the first source that has it, without checking a digest
 * (ensureChart checks it; `npm run chart` computes it); a source without it is passed over, and all of
 * them named if none has it.
 */
export function pullFromFirstSource(lock: ChartSource, candidates: readonly string[], staging: string, helm: HelmBinary): PulledChart {
  const misses: string[] = [];
  for (const source of candidates) {
    const pulled = isUrl(source) ? pullWithHelm(lock, source, staging, helm) : copyFromDirectory(lock, source, staging);
    if (typeof pulled === 'string') return { source, archive: pulled };
    misses.push(pulled.miss);
  }
  throw new UserError(`chart ${lock.name} ${lock.version}: no source has it: ${misses.join('; ')}`);
}

/** An http(s) repository, as opposed to a directory mirror. */
export function isUrl(source: string): boolean {
  return /^https?:\/\//.test(source);
}

/**
 * `helm pull --repo`, with helm's config and cache kept inside the project so a user's repos do not matter.
 * helm names the file as the repository's index does, which need not be `<chart>-<version>.tgz`: it pulls
 * into a folder of its own, and the one file there is the archive.
 */
function pullWithHelm(lock: ChartSource, repository: string, destination: string, helm: HelmBinary): string | { miss: string } {
  const folder = fs.mkdtempSync(path.join(destination, 'helm-pull-'));
  const args = ['pull', lock.chart, '--repo', repository, '--version', lock.version, '--destination', folder];
  const result = runHelm(helm, args, `helm pull of chart ${lock.name} ${lock.version} from ${repository}`);
  if ('failure' in result) return { miss: `helm pull from ${repository} failed: ${result.failure}` };
  const [archive] = fs.readdirSync(folder);
  return archive === undefined ? { miss: `helm pull from ${repository} wrote no file` } : path.join(folder, archive);
}

/** A helm command with the project's helm folders and the helm timeout: its stdout, or the first line of its error. */
export function runHelm(helm: HelmBinary, args: string[], what: string): { stdout: string } | { failure: string } {
  const timeoutMs = helmTimeoutMs();
  const result = spawnSync(helm.path, args, { encoding: 'utf8', env: helmEnvironment(), timeout: timeoutMs, killSignal: 'SIGKILL' });
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT') throw helmTimedOut(what, timeoutMs);
  if (result.status !== 0) return { failure: (result.stderr || result.error?.message || '').trim().split('\n')[0] };
  return { stdout: result.stdout };
}

/** A directory mirror is a copy of a chart repository: its index.yaml says which file holds the version. */
function copyFromDirectory(lock: ChartSource, directory: string, destination: string): string | { miss: string } {
  const { indexFile, versions } = directoryIndex(directory, lock.chart);
  const url = versions.find((candidate) => String(candidate.version) === lock.version)?.urls?.[0];
  if (!url) return { miss: `${indexFile} lists no ${lock.chart} ${lock.version}` };
  if (isUrl(url) || path.isAbsolute(url) || url.split('/').includes('..')) {
    const pointer = `${indexFile} points ${lock.chart} ${lock.version} at ${url}`;
    throw new UserError(`${CHART_MIRROR_ENV}: ${pointer}: expected a file inside the mirror directory`);
  }
  const target = path.join(destination, `${lock.chart}-${lock.version}.tgz`);
  fs.copyFileSync(path.join(directory, url), target);
  return target;
}

/** The entries a directory mirror's index.yaml lists for one chart. */
export function directoryIndex(directory: string, chart: string): { indexFile: string; versions: Array<{ version: string; urls?: string[] }> } {
  const indexFile = path.join(directory, 'index.yaml');
  if (!fs.existsSync(indexFile)) {
    const expected = 'expected a directory that mirrors a chart repository, or an http(s) URL';
    throw new UserError(`${CHART_MIRROR_ENV}: ${directory} has no index.yaml: ${expected}`);
  }
  const index = parseYaml(fs.readFileSync(indexFile, 'utf8')) as { entries?: Record<string, Array<{ version: string; urls?: string[] }>> };
  return { indexFile, versions: index?.entries?.[chart] ?? [] };
}
