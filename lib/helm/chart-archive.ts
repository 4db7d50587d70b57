import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { parseYaml } from '../manifests/yaml';
import { UserError } from '../support/errors';
import { PROJECT_ROOT } from '../support/project-root';
import { ChartLock } from './chart-lock';
import { HelmBinary } from './helm-binary';
import { helmEnvironment, helmTimedOut, helmTimeoutMs } from './helm-template';

/** Environment variable naming another folder for verified chart archives (a CI cache, say). */
const CHART_CACHE_DIR_ENV = 'CHART_CACHE_DIR';
/** Where pulled and verified chart archives are kept (gitignored). */
const CHART_CACHE_DIR = path.join(PROJECT_ROOT, '.cache', 'charts');
/** Environment variable naming a directory or http(s) URL that mirrors the chart repositories. */
const CHART_MIRROR_ENV = 'CHART_MIRROR';

/** Where a chart archive comes from and where it is kept. */
export interface EnsureChartOptions {
  /** helm, for pulls over HTTP. */
  readonly helm: HelmBinary;
  /** Directory or http(s) URL to pull from instead of the lock's repository. @default $CHART_MIRROR, else the first existing localMirrors entry */
  readonly mirror?: string;
  /** Where verified archives are kept. @default $CHART_CACHE_DIR, else .cache/charts */
  readonly cacheDir?: string;
}

/**
 * Returns the path of the chart archive after checking its sha256 against the lock, pulling it
 * first when it is not cached. An archive whose digest differs is never returned: the UserError
 * names the file, both digests and how to recover.
 */
export function ensureChart(lock: ChartLock, options: EnsureChartOptions): string {
  const cacheDir = options.cacheDir ?? (process.env[CHART_CACHE_DIR_ENV] || CHART_CACHE_DIR);
  const archive = path.join(cacheDir, `${lock.name}-${lock.version}.tgz`);
  if (!fs.existsSync(archive)) {
    pullChart(lock, archive, options);
  }
  verifyDigest(archive, lock);
  return archive;
}

/** sha256 of a file, as "sha256:<hex>". */
export function fileDigest(file: string): string {
  return `sha256:${createHash('sha256').update(fs.readFileSync(file)).digest('hex')}`;
}

/** `origin` names the file for the message: the cached archive, or where a pull came from. */
function verifyDigest(archive: string, lock: ChartLock, origin: string = archive): void {
  const actual = fileDigest(archive);
  if (actual !== lock.digest) {
    const mismatch = `${origin} has digest ${actual}, but charts.lock.yaml pins ${lock.digest}`;
    const remedy = origin === archive
      ? 'delete the file and run `npm run vendor` to pull it again'
      : 'fix the mirror or point CHART_MIRROR elsewhere';
    throw new UserError(`chart ${lock.name} ${lock.version}: ${mismatch}; refusing to render it (${remedy})`);
  }
}

/** Pulls into a temporary folder beside the cache, verifies, then moves into place in one rename. */
function pullChart(lock: ChartLock, archive: string, options: EnsureChartOptions): void {
  const cacheDir = path.dirname(archive);
  fs.mkdirSync(cacheDir, { recursive: true });
  const staging = fs.mkdtempSync(path.join(cacheDir, '.pull-'));
  try {
    const source = chooseSource(lock, options.mirror);
    const pulled = isUrl(source) ? pullWithHelm(lock, source, staging, options.helm) : copyFromDirectory(lock, source, staging);
    verifyDigest(pulled, lock, `${lock.name}-${lock.version}.tgz from ${source}`);
    fs.renameSync(pulled, archive);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * CHART_MIRROR when set; else the first of the lock's localMirrors that exists (offline machines keep
 * the repository's copy there); else the repository itself. Whatever the source, the digest decides.
 */
function chooseSource(lock: ChartLock, explicit: string | undefined): string {
  const mirror = (explicit ?? process.env[CHART_MIRROR_ENV] ?? '').trim();
  if (mirror !== '') return mirror;
  return lock.localMirrors.find((dir) => fs.existsSync(path.join(dir, 'index.yaml'))) ?? lock.repository;
}

function isUrl(source: string): boolean {
  return /^https?:\/\//.test(source);
}

/** `helm pull --repo`, with helm's config and cache kept inside the project so a user's repos do not matter. */
function pullWithHelm(lock: ChartLock, repository: string, destination: string, helm: HelmBinary): string {
  const args = ['pull', lock.name, '--repo', repository, '--version', lock.version, '--destination', destination];
  const timeoutMs = helmTimeoutMs();
  const result = spawnSync(helm.path, args, { encoding: 'utf8', env: helmEnvironment(), timeout: timeoutMs, killSignal: 'SIGKILL' });
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT') {
    throw helmTimedOut(`helm pull of chart ${lock.name} ${lock.version} from ${repository}`, timeoutMs);
  }
  if (result.status !== 0) {
    const reason = (result.stderr || result.error?.message || '').trim().split('\n')[0];
    throw new UserError(`chart ${lock.name} ${lock.version}: helm pull from ${repository} failed: ${reason}`);
  }
  return path.join(destination, `${lock.name}-${lock.version}.tgz`);
}

/** A directory mirror is a copy of a chart repository: its index.yaml says which file holds the version. */
function copyFromDirectory(lock: ChartLock, directory: string, destination: string): string {
  const indexFile = path.join(directory, 'index.yaml');
  if (!fs.existsSync(indexFile)) {
    const expected = 'expected a directory that mirrors a chart repository, or an http(s) URL';
    throw new UserError(`${CHART_MIRROR_ENV}: ${directory} has no index.yaml: ${expected}`);
  }
  const index = parseYaml(fs.readFileSync(indexFile, 'utf8')) as { entries?: Record<string, Array<{ version: string; urls?: string[] }>> };
  const entry = index?.entries?.[lock.name]?.find((candidate) => String(candidate.version) === lock.version);
  const url = entry?.urls?.[0];
  if (!url) {
    throw new UserError(`${CHART_MIRROR_ENV}: ${indexFile} lists no ${lock.name} ${lock.version}`);
  }
  if (isUrl(url) || path.isAbsolute(url) || url.split('/').includes('..')) {
    const pointer = `${indexFile} points ${lock.name} ${lock.version} at ${url}`;
    throw new UserError(`${CHART_MIRROR_ENV}: ${pointer}: expected a file inside the mirror directory`);
  }
  const target = path.join(destination, `${lock.name}-${lock.version}.tgz`);
  fs.copyFileSync(path.join(directory, url), target);
  return target;
}
