import { isDeepStrictEqual } from 'util';
import { Container, findBySuffix, Manifest, podSpecOf, Spec } from '../manifests/manifest';
import { PlainObject, setAt } from '../support/object-path';
import { minorOf, NOBODY, PrometheusChartName } from '../support/rules';
import { findPrometheusServer } from './server';
import { controlPlaneTaints, controlPlaneTolerations, retiredCollectors } from './target-release';
import type { PrometheusSettings } from './settings';

/*
 * The book's `--set` flags, and the values this app adds to them, written once for each chart: the
 * chart values path each one takes and how its effect shows in the render. Both charts ignore a value
 * they do not know without a word (today's chart renamed `pushgateway` and `nodeExporter` to its
 * subcharts' names), so the Prometheus construct checks every row against the render: a value a chart
 * ignored stops synth instead of reaching a cluster.
 */

/** One setting, as each chart spells it and as the render shows it. */
export interface SettingTranslation {
  /** The book's `--set` flag it comes from, or what this app adds. */
  readonly setting: string;
  /** The values path in each chart, dot-separated. */
  readonly path: Readonly<Record<PrometheusChartName, string>>;
  /** The value to set. */
  readonly value: (settings: PrometheusSettings, chart: PrometheusChartName) => unknown;
  /** True when the render shows the value took effect. */
  readonly shows: (render: readonly Manifest[], settings: PrometheusSettings) => boolean;
  /** Set only for settings where this holds. @default every settings */
  readonly appliesTo?: (settings: PrometheusSettings) => boolean;
}

/** Finds one workload of a render. */
type Workload = (render: readonly Manifest[]) => Manifest | undefined;

const SERVER: Workload = findPrometheusServer;
const NODE_EXPORTER: Workload = (render) => findBySuffix(render, 'DaemonSet', '-node-exporter');
const KUBE_STATE_METRICS: Workload = (render) => findBySuffix(render, 'Deployment', '-kube-state-metrics');
const PUSHGATEWAY: Workload = (render) => findBySuffix(render, 'Deployment', '-pushgateway');
const ALERTMANAGER_KINDS = ['Deployment', 'StatefulSet'];
/** Where each chart keeps node-exporter's values: today's under its subchart's name. */
const NODE_EXPORTER_VALUES: ChartPaths = { 'edu/prometheus': 'nodeExporter', 'prometheus-community/prometheus': 'prometheus-node-exporter' };

/** The server's flags: the book's no-lockfile, plus the chart default the book's `--set extraFlags[0]` dropped. */
const SERVER_FLAGS: readonly string[] = ['web.enable-lifecycle', 'storage.tsdb.no-lockfile'];

/** A tag can be moved: pull every time so a changed image or lost pull secret shows at once. */
const ALWAYS_PULL = 'Always';

/** Sizes of the containers besides the server (docs/sizing.md): [request, limit] each. */
const SIDE_CONTAINERS = {
  nodeExporter: { cpu: ['50m', '200m'], memory: ['32Mi', '64Mi'] },
  configReload: { cpu: ['10m', '50m'], memory: ['16Mi', '32Mi'] },
  kubeStateMetrics: { cpu: ['50m', '200m'], memory: ['64Mi', '128Mi'] },
} as const;
/** Containers that write nothing but their logs, which count as ephemeral storage. */
const SMALL_EPHEMERAL = ['8Mi', '64Mi'] as const;

/** Every row, in the order the book lists its flags, then this app's additions. */
export const SETTING_TRANSLATIONS: readonly SettingTranslation[] = [
  {
    setting: '--set pushgateway.enabled=false',
    path: { 'edu/prometheus': 'pushgateway.enabled', 'prometheus-community/prometheus': 'prometheus-pushgateway.enabled' },
    value: () => false,
    shows: (render) => PUSHGATEWAY(render) === undefined,
  },
  {
    setting: '--set alertmanager.enabled=false',
    path: samePath('alertmanager.enabled'),
    value: () => false,
    shows: (render) => !render.some((m) => ALERTMANAGER_KINDS.includes(m.kind) && m.metadata.name.endsWith('-alertmanager')),
  },
  {
    setting: '--set nodeExporter.tolerations[0]: the control plane\'s taint (docs/kubernetes-versions.md)',
    path: under(NODE_EXPORTER_VALUES, 'tolerations'),
    value: (settings) => controlPlaneTolerations(minorOf(settings.kubernetesVersion)),
    shows: (render, settings) => controlPlaneTaints(minorOf(settings.kubernetesVersion))
      .every((taint) => (podSpecOf(NODE_EXPORTER(render))?.tolerations ?? []).some((t) => t.operator === 'Exists' && t.key === taint)),
    appliesTo: (settings) => settings.nodeExporter,
  },
  {
    setting: '--set server.persistentVolume.existingClaim',
    path: samePath('server.persistentVolume.existingClaim'),
    value: (settings) => settings.claimName,
    shows: (render, settings) => (podSpecOf(SERVER(render))?.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === settings.claimName)
      && !render.some((m) => m.kind === 'PersistentVolumeClaim'),
  },
  {
    setting: '--set server.securityContext.runAsUser, runAsGroup (and fsGroup, runAsNonRoot)',
    path: samePath('server.securityContext'),
    value: (settings) => ({ runAsUser: settings.uid, runAsGroup: settings.gid, fsGroup: settings.gid, runAsNonRoot: true }),
    shows: (render, settings) => {
      const context = podSpecOf(SERVER(render))?.securityContext;
      return context?.runAsUser === settings.uid && context.runAsGroup === settings.gid && context.fsGroup === settings.gid;
    },
  },
  {
    setting: '--set server.service.type',
    path: samePath('server.service.type'),
    value: (settings) => settings.serviceType,
    shows: (render, settings) => serviceSpec(render)?.type === settings.serviceType,
  },
  {
    setting: 'the LoadBalancer\'s source ranges (this app: the book\'s lab network)',
    path: samePath('server.service.loadBalancerSourceRanges'),
    value: (settings) => settings.loadBalancerSourceRanges,
    shows: (render, settings) => isDeepStrictEqual(serviceSpec(render)?.loadBalancerSourceRanges ?? [], settings.loadBalancerSourceRanges),
    appliesTo: (settings) => settings.serviceType === 'LoadBalancer',
  },
  {
    setting: '--set server.extraFlags[0]=storage.tsdb.no-lockfile (keeping the chart\'s web.enable-lifecycle, which the config reload needs)',
    path: samePath('server.extraFlags'),
    value: () => SERVER_FLAGS,
    shows: (render) => {
      const args = containerNamed(render, SERVER, 'server')?.args ?? [];
      return SERVER_FLAGS.every((flag) => args.includes(`--${flag}`));
    },
  },
  {
    setting: 'node-exporter on or off (this app: off for a second install on one cluster)',
    path: under(NODE_EXPORTER_VALUES, 'enabled'),
    value: (settings) => settings.nodeExporter,
    shows: (render, settings) => (NODE_EXPORTER(render) !== undefined) === settings.nodeExporter,
  },
  {
    setting: 'node-exporter runs as nobody (this app: it reads the host\'s /proc and /sys, which nobody may read)',
    path: under(NODE_EXPORTER_VALUES, 'securityContext'),
    value: () => ({ runAsUser: NOBODY, runAsGroup: NOBODY, runAsNonRoot: true }),
    shows: (render) => podSpecOf(NODE_EXPORTER(render))?.securityContext?.runAsUser === NOBODY,
    appliesTo: (settings) => settings.nodeExporter,
  },
  {
    setting: 'the server is replaced, never rolled (this app: two servers on one TSDB without a lock file corrupt it)',
    path: samePath('server.strategy'),
    value: () => ({ type: 'Recreate' }),
    shows: (render) => SERVER(render)?.spec?.strategy?.type === 'Recreate',
  },
  {
    setting: 'the server\'s resources (this app: prometheus.resources, docs/sizing.md)',
    path: samePath('server.resources'),
    value: (settings) => {
      const { cpuRequest, cpuLimit, memoryRequest, memoryLimit } = settings.resources;
      return resources([cpuRequest, cpuLimit], [memoryRequest, memoryLimit], ['16Mi', '256Mi']);
    },
    shows: (render, settings) => containerNamed(render, SERVER, 'server')?.resources?.limits?.memory === settings.resources.memoryLimit,
  },
  resourceRow('node-exporter', NODE_EXPORTER_VALUES, NODE_EXPORTER, SIDE_CONTAINERS.nodeExporter, (settings) => settings.nodeExporter),
  resourceRow('configmap-reload', samePath('configmapReload.prometheus'), SERVER, SIDE_CONTAINERS.configReload),
  resourceRow('kube-state-metrics', samePath('kube-state-metrics'), KUBE_STATE_METRICS, SIDE_CONTAINERS.kubeStateMetrics),
  {
    setting: 'kube-state-metrics reads no Secrets, and lists no API the target stopped serving (this app)',
    path: { 'edu/prometheus': 'kube-state-metrics.collectors', 'prometheus-community/prometheus': 'kube-state-metrics.collectorsExclude' },
    value: (settings, chart) => chart === 'edu/prometheus' ? retiredCollectors(minorOf(settings.kubernetesVersion)) : ['secrets'],
    shows: (render) => {
      const readsSecrets = render.some((m) => m.kind === 'ClusterRole' && m.metadata.name.endsWith('-kube-state-metrics')
        && (m.rules ?? []).some((rule) => rule.resources?.includes('secrets')));
      return !readsSecrets;
    },
  },
  pullPolicyRow('server', samePath('server'), SERVER),
  pullPolicyRow('configmap-reload', samePath('configmapReload.prometheus'), SERVER),
  pullPolicyRow('node-exporter', NODE_EXPORTER_VALUES, NODE_EXPORTER, (settings) => settings.nodeExporter),
  pullPolicyRow('kube-state-metrics', samePath('kube-state-metrics'), KUBE_STATE_METRICS),
];

/** The chart values of the rows that apply to these settings. */
export function translatedValues(chart: PrometheusChartName, settings: PrometheusSettings): PlainObject {
  const values: PlainObject = {};
  for (const row of SETTING_TRANSLATIONS) {
    if (row.appliesTo?.(settings) ?? true) setAt(values, row.path[chart].split('.'), row.value(settings, chart));
  }
  return values;
}

/** The rows that apply to these settings and do not show in the render: values the chart ignored. */
export function unseenSettings(render: readonly Manifest[], settings: PrometheusSettings): SettingTranslation[] {
  return SETTING_TRANSLATIONS.filter((row) => (row.appliesTo?.(settings) ?? true) && !row.shows(render, settings));
}

function resources(cpu: readonly string[], memory: readonly string[], ephemeral: readonly string[]): object {
  return {
    requests: { cpu: cpu[0], memory: memory[0], 'ephemeral-storage': ephemeral[0] },
    limits: { cpu: cpu[1], memory: memory[1], 'ephemeral-storage': ephemeral[1] },
  };
}

type ChartPaths = Readonly<Record<PrometheusChartName, string>>;

/** The same values path in both charts. */
function samePath(at: string): ChartPaths {
  return { 'edu/prometheus': at, 'prometheus-community/prometheus': at };
}

/** Each chart's path with a suffix appended. */
function under(prefixes: ChartPaths, suffix: string): ChartPaths {
  const [book, today] = [prefixes['edu/prometheus'], prefixes['prometheus-community/prometheus']];
  return { 'edu/prometheus': `${book}.${suffix}`, 'prometheus-community/prometheus': `${today}.${suffix}` };
}

function resourceRow(name: string, at: ChartPaths, workload: Workload, size: { cpu: readonly string[]; memory: readonly string[] },
  appliesTo?: (settings: PrometheusSettings) => boolean): SettingTranslation {
  return {
    setting: `${name}'s resources (this app: docs/sizing.md)`,
    path: under(at, 'resources'),
    value: () => resources(size.cpu, size.memory, SMALL_EPHEMERAL),
    shows: (render) => containerNamed(render, workload, name)?.resources?.limits?.memory === size.memory[1],
    appliesTo,
  };
}

function pullPolicyRow(name: string, at: ChartPaths, workload: Workload,
  appliesTo?: (settings: PrometheusSettings) => boolean): SettingTranslation {
  return {
    setting: `${name} pulls its image every time (this app: a moved tag or a lost pull secret shows at once)`,
    path: under(at, 'image.pullPolicy'),
    value: () => ALWAYS_PULL,
    shows: (render) => containerNamed(render, workload, name)?.imagePullPolicy === ALWAYS_PULL,
    appliesTo,
  };
}

/** The workload's container called `name` or "<prefix>-<name>": the charts prefix some with the release or workload name. */
function containerNamed(render: readonly Manifest[], workload: Workload, name: string): Container | undefined {
  return podSpecOf(workload(render))?.containers.find((c) => c.name === name || c.name.endsWith(`-${name}`));
}

function serviceSpec(render: readonly Manifest[]): Spec | undefined {
  return findBySuffix(render, 'Service', '-server')?.spec;
}
