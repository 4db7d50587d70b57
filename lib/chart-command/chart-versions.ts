import { gt, maxSatisfying } from 'semver';
import { chartSources, ChartSource, directoryIndex, isUrl, runHelm } from '../helm/chart-archive';
import { HelmBinary } from '../helm/helm-binary';
import { parseYaml } from '../manifests/yaml';
import { UserError } from '../support/errors';

/*
 * Which versions a chart's sources offer, for `npm run chart` only (synth pulls the locked version and
 * never asks): kept apart from chart-archive.ts so that the synth bundle does not carry semver.
 */

/**
 * The sources to look a chart up in for `npm run chart`: those synth pulls from, in its order, less the
 * mirrors that do not list the locked version. A mirror (the lock's localMirrors, CHART_MIRROR) copies
 * one repository or several, and one chart name can mean another chart in another repository (the book's
 * `prometheus` is not today's): a mirror that holds the locked version copies this chart's repository.
 * The lock's repository always counts; with no locked version (a chart being added), every source does.
 */
export function repositorySources(chart: Omit<ChartSource, 'version'>, lockedVersion: string | undefined, helm: HelmBinary): string[] {
  const listsLocked = (source: string, version: string): boolean => {
    if (!isUrl(source)) return directoryIndex(source, chart.chart).versions.some((candidate) => String(candidate.version) === version);
    const args = ['show', 'chart', chart.chart, '--repo', source, '--version', version];
    return 'stdout' in runHelm(helm, args, `helm show chart of ${chart.chart} from ${source}`);
  };
  const copies = (source: string) => source === chart.repository || lockedVersion === undefined || listsLocked(source, lockedVersion);
  return chartSources(chart).filter(copies);
}

/**
 * The newest stable version of a chart that any of `candidates` lists (sources that cannot be reached are
 * passed over), as `helm show chart` without --version picks it: prereleases are left out.
 */
export function latestChartVersion(chart: Omit<ChartSource, 'version'>, candidates: readonly string[], helm: HelmBinary): string {
  const misses: string[] = [];
  let latest: string | undefined;
  for (const source of candidates) {
    const found = isUrl(source) ? latestInRepository(chart.chart, source, helm) : latestInDirectory(chart.chart, source);
    if (typeof found !== 'string') misses.push(found.miss);
    else if (latest === undefined || gt(found, latest)) latest = found;
  }
  if (latest === undefined) throw new UserError(`chart ${chart.name}: no source lists a stable version of it: ${misses.join('; ')}`);
  return latest;
}

/** `helm show chart --repo` without --version: the Chart.yaml of the newest stable version. */
function latestInRepository(chart: string, repository: string, helm: HelmBinary): string | { miss: string } {
  const result = runHelm(helm, ['show', 'chart', chart, '--repo', repository], `helm show chart of ${chart} from ${repository}`);
  if ('failure' in result) return { miss: `helm show chart from ${repository} failed: ${result.failure}` };
  const version = (parseYaml(result.stdout) as { version?: unknown } | null)?.version;
  return typeof version === 'string' ? version : { miss: `${repository} answered for ${chart} without a version` };
}

/** The newest stable version a directory mirror's index.yaml lists for the chart. */
function latestInDirectory(chart: string, directory: string): string | { miss: string } {
  const { indexFile, versions } = directoryIndex(directory, chart);
  const latest = maxSatisfying(versions.map((candidate) => String(candidate.version)), '*');
  return latest ?? { miss: `${indexFile} lists no stable version of ${chart}` };
}

