import { readChartFiles } from '../helm/chart-content';
import { Manifest } from '../manifests/manifest';
import { parseYaml } from '../manifests/yaml';
import type { PrometheusSettings } from '../prometheus/settings';
import { SETTING_TRANSLATIONS } from '../prometheus/translations';
import { getAt, isPlainObject, PlainObject } from '../support/object-path';

/*
 * The values table's verdict on a chart version: for each of the book's values (each row of
 * lib/prometheus/translations.ts that applies to an environment), whether the render shows its effect,
 * and for one that does not, whether its key is gone from the chart's values and where a key of the same
 * name now is. A chart ignores a value it does not know without a word, so this is read off the render,
 * as synth reads it.
 */

/** The default values of a chart and of each subchart it carries, as its archive holds them. */
export interface ChartValues {
  /** The chart's own values.yaml. */
  readonly values: PlainObject;
  /** Each subchart's values.yaml, by the subchart's name (the key its values take in the parent's). */
  readonly subcharts: ReadonlyMap<string, PlainObject>;
}

/** One row's verdict. */
export interface RowVerdict {
  /** The row's `setting`: the book's flag or this app's addition. */
  readonly setting: string;
  /** The values key the row sets on this chart. */
  readonly key: string;
  /** Undefined while the value shows in the render; else what is wrong, one phrase. */
  readonly problem?: string;
}

/** The default values in a chart archive: `<chart>/values.yaml` and `<chart>/charts/<subchart>/values.yaml`. */
export function chartValues(archive: string): ChartValues {
  const files = readChartFiles(archive);
  const read = (content: Buffer): PlainObject => {
    const parsed = parseYaml(content.toString('utf8'));
    return isPlainObject(parsed) ? parsed : {};
  };
  const own = files.find((file) => /^[^/]+\/values\.yaml$/.test(file.path));
  const subcharts = new Map<string, PlainObject>();
  for (const file of files) {
    const subchart = /^[^/]+\/charts\/([^/]+)\/values\.yaml$/.exec(file.path)?.[1];
    if (subchart) subcharts.set(subchart, read(file.content));
  }
  return { values: own ? read(own.content) : {}, subcharts };
}

/** What to judge: a render of the chart for one environment's settings, and the chart's values before and after. */
export interface VerdictInput {
  /** The environment's settings; their chart is the one judged. */
  readonly settings: PrometheusSettings;
  /** The objects `helm template` printed with the book's values. */
  readonly render: readonly Manifest[];
  /** The new version's default values. */
  readonly values: ChartValues;
  /** The locked version's default values, when there is one. */
  readonly lockedValues?: ChartValues;
}

/** Every row that applies to the settings, in the table's order, with its verdict. */
export function valuesVerdict(input: VerdictInput): RowVerdict[] {
  return SETTING_TRANSLATIONS.filter((row) => row.appliesTo?.(input.settings) ?? true).map((row) => {
    const key = row.path[input.settings.chart];
    if (row.shows(input.render, input.settings)) return { setting: row.setting, key };
    return { setting: row.setting, key, problem: whyUnseen(key, input) };
  });
}

function whyUnseen(key: string, { values, lockedValues }: VerdictInput): string {
  const at = key.split('.');
  if (hasKey(values, at)) return `key ${key} is still among the chart's values, but the render shows no effect of it`;
  const candidates = allKeys(values)
    .filter((candidate) => !(lockedValues && hasKey(lockedValues, candidate.split('.'))))
    .map((candidate) => ({ candidate, shared: sharedEnding(candidate.split('.'), at) }))
    .filter(({ shared }) => shared > 0)
    .sort((a, b) => b.shared - a.shared)
    .slice(0, MAX_CANDIDATES)
    .map(({ candidate }) => candidate);
  const moved = candidates.length > 0 ? `; the chart now has ${candidates.join(', ')}` : '';
  const was = lockedValues && hasKey(lockedValues, at) ? ', where the locked version has it' : '';
  return `key ${key} is no longer among the chart's values${was}${moved}`;
}

/** How many keys ending as the moved one does are named: the closest few, not every `enabled` of a chart. */
const MAX_CANDIDATES = 3;

/** How many trailing segments two key paths share. */
function sharedEnding(a: readonly string[], b: readonly string[]): number {
  let shared = 0;
  while (shared < Math.min(a.length, b.length) && a[a.length - 1 - shared] === b[b.length - 1 - shared]) shared += 1;
  return shared;
}

/** True when the chart's values, or a subchart's under its name, have the key (whatever its value, null included). */
function hasKey({ values, subcharts }: ChartValues, at: readonly string[]): boolean {
  if (getAt(values, at) !== undefined) return true;
  const subchart = subcharts.get(at[0]);
  return subchart !== undefined && getAt(subchart, at.slice(1)) !== undefined;
}

/** Every key path of the values, dot-separated, each subchart's under its name. */
function allKeys({ values, subcharts }: ChartValues): string[] {
  const keys: string[] = [];
  const walk = (node: PlainObject, prefix: string): void => {
    for (const [key, value] of Object.entries(node)) {
      keys.push(prefix + key);
      if (isPlainObject(value)) walk(value, `${prefix}${key}.`);
    }
  };
  walk(values, '');
  for (const [name, subchart] of subcharts) walk(subchart, `${name}.`);
  return keys;
}
