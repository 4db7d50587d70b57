import * as fs from 'fs';
import * as path from 'path';
import { parseYaml } from '../manifests/yaml';
import { UserError } from '../support/errors';
import { PROJECT_ROOT } from '../support/project-root';

/**
 * Environment variable naming another lock file: `npm run chart` synthesizes with a candidate lock
 * before it replaces the committed one.
 */
export const CHART_LOCK_FILE_ENV = 'CHART_LOCK_FILE';

/** The committed lock file, unless $CHART_LOCK_FILE names another: which chart, from where, at which version and digest. */
export const CHART_LOCK_FILE = process.env[CHART_LOCK_FILE_ENV] || path.join(PROJECT_ROOT, 'charts.lock.yaml');

/** One pinned chart. */
export interface ChartLock {
  /** The lock's name for it, "<repository name>/<chart name>" as `helm install` writes it: "edu/prometheus". */
  readonly name: string;
  /** The chart's name in its repository: the part of {@link name} after "/". */
  readonly chart: string;
  /** Chart repository URL (what `helm repo add` takes). */
  readonly repository: string;
  /** Exact chart version. */
  readonly version: string;
  /** Content digest of the chart's files (chart-content.ts), "sha256:<64 hex>". */
  readonly digest: string;
  /** Absolute paths of the lock's localMirrors: directories tried before the repository when they exist. */
  readonly localMirrors: readonly string[];
}

interface LockFileContent {
  charts?: Record<string, Omit<ChartLock, 'name' | 'chart' | 'localMirrors'>>;
  localMirrors?: string[];
}

/** What the lock pins a chart with, besides its name. */
export type ChartLockEntry = Pick<ChartLock, 'repository' | 'version' | 'digest'>;

const LOCK_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?\/[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const EXACT_VERSION = /^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$/;

/** "<repository name>/<chart name>", each a DNS-1123 label: how the lock names a chart. */
export function isLockName(name: string): boolean {
  return LOCK_NAME.test(name);
}

/** An exact chart version, such as 11.6.0 (no range). */
export function isExactVersion(version: string): boolean {
  return EXACT_VERSION.test(version);
}

/** Every chart name the lock file pins. */
export function lockedChartNames(lockFile: string = CHART_LOCK_FILE): string[] {
  return Object.keys(readLockFile(lockFile).charts ?? {});
}

/** Reads one chart's entry from the lock file. */
export function readChartLock(name: string, lockFile: string = CHART_LOCK_FILE): ChartLock {
  const content = readLockFile(lockFile);
  const entry = content.charts?.[name];
  if (!entry) {
    throw new UserError(`${lockFile}: no chart "${name}" under charts: add its repository, version and digest`);
  }
  if (!isLockName(name)) {
    throw new UserError(`${lockFile}: chart name "${name}" is invalid: expected <repository name>/<chart name>, such as edu/prometheus`);
  }
  const lock = { name, chart: name.split('/')[1], ...entry, localMirrors: mirrorsOf(content, lockFile) };
  if (!/^sha256:[a-f0-9]{64}$/.test(String(lock.digest))) {
    throw new UserError(`${lockFile}: charts.${name}.digest "${lock.digest}" is invalid: expected sha256:<64 hex>`);
  }
  if (!isExactVersion(String(lock.version))) {
    throw new UserError(`${lockFile}: charts.${name}.version "${lock.version}" is invalid: expected an exact version such as 11.6.0`);
  }
  return lock;
}

/** Absolute paths of the lock file's localMirrors. */
export function lockedMirrors(lockFile: string = CHART_LOCK_FILE): string[] {
  return mirrorsOf(readLockFile(lockFile), lockFile);
}

function mirrorsOf(content: LockFileContent, lockFile: string): string[] {
  return (content.localMirrors ?? []).map((dir) => path.resolve(path.dirname(lockFile), dir));
}

function readLockFile(lockFile: string): LockFileContent {
  return (parseYaml(fs.readFileSync(lockFile, 'utf8')) ?? {}) as LockFileContent;
}
