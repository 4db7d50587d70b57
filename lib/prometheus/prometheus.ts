import { Construct } from 'constructs';
import { HelmRelease } from '../constructs/helm-release';
import { PodNetworkPolicy, PodNetworkPolicyProps } from '../constructs/pod-network-policy';
import { ChartRenderer } from '../helm/renderer';
import { findBySuffix, Manifest, podSpecOf } from '../manifests/manifest';
import { UserError } from '../support/errors';
import { isNonRootId } from '../support/rules';
import { PROMETHEUS_HARDENING } from './hardening';
import { findPrometheusServer } from './server';
import { unseenSettings } from './translations';
import { PROMETHEUS_VALUE_HINTS, PrometheusSettings, prometheusTemplateRequest } from './settings';

/** Properties of {@link Prometheus}: the install's settings, what renders the chart, and labels. */
export interface PrometheusProps extends PrometheusSettings {
  /** Renders the pinned chart. @default HelmRelease's default: HelmRenderer.shared() */
  readonly renderer?: ChartRenderer;
  /** Labels of the NetworkPolicies this construct adds (the chart labels its own objects). @default {} */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * The book's `helm install prometheus edu/prometheus --set ...`, rendered for the target version from
 * the book's chart or today's: Prometheus server, node-exporter and kube-state-metrics, without
 * pushgateway and alertmanager.
 */
export class Prometheus extends Construct {
  /** The chart as rendered for this release. */
  public readonly release: HelmRelease;

  constructor(scope: Construct, id: string, props: PrometheusProps) {
    super(scope, id);
    for (const field of ['uid', 'gid'] as const) {
      const value = props[field];
      if (!isNonRootId(value)) {
        throw new Error(`Prometheus: ${field} ${value} contradicts the chart's runAsNonRoot; set ${field} to the data directory's non-root owner`);
      }
    }
    const { renderer, labels, ...settings } = props;
    const request = prometheusTemplateRequest(settings);
    // Outside "default", the ClusterRoles and their bindings carry the namespace: another install in another
    // namespace then has its own (the book's install in "default" keeps the chart's names).
    const clusterRbacSuffix = request.namespace === 'default' ? '' : `-${request.namespace}`;
    this.release = new HelmRelease(this, 'Release', {
      ...request, valueHints: PROMETHEUS_VALUE_HINTS, renderer, patches: PROMETHEUS_HARDENING[settings.chart], clusterRbacSuffix,
    });

    requireInstall(this.release.manifests, settings.nodeExporter, settings.chart);
    // Charts ignore values they do not know without a word: a setting that does not show is refused here.
    const unseen = unseenSettings(this.release.manifests, settings);
    if (unseen.length > 0) {
      const names = unseen.map((row) => `${row.setting} (${row.path[settings.chart]})`).join('; ');
      throw new UserError(`chart ${settings.chart} rendered without the effect of: ${names}; fix its row in lib/prometheus/translations.ts`);
    }
    // The web UI and its unauthenticated /-/reload and /-/quit: from the configured networks and from
    // inside the cluster (scrapes, other pods); the reload sidecar calls localhost, which no policy sees.
    const server = findPrometheusServer(this.release.manifests);
    new PodNetworkPolicy(this, 'ServerPolicy', {
      ...policyTarget(server, request.namespace),
      labels,
      fromCidrs: settings.loadBalancerSourceRanges,
      fromCluster: true,
    });
    // kube-state-metrics has nothing to say to anyone but the scrapers inside the cluster.
    const kubeStateMetrics = findBySuffix(this.release.manifests, 'Deployment', '-kube-state-metrics');
    new PodNetworkPolicy(this, 'KubeStateMetricsPolicy', { ...policyTarget(kubeStateMetrics, request.namespace), labels, fromCluster: true });
  }
}

/** What the book's values turn on, each with how it is found; a render without one of them is not the install. */
const REQUIRED_OBJECTS: ReadonlyArray<[name: string, find: (manifests: readonly Manifest[]) => Manifest | undefined]> = [
  ['Deployment *-server', findPrometheusServer],
  ['Service *-server', (manifests) => findBySuffix(manifests, 'Service', '-server')],
  ['DaemonSet *-node-exporter', (manifests) => findBySuffix(manifests, 'DaemonSet', '-node-exporter')],
  ['Deployment *-kube-state-metrics', (manifests) => findBySuffix(manifests, 'Deployment', '-kube-state-metrics')],
];

function requireInstall(manifests: readonly Manifest[], nodeExporter: boolean, chart: string): void {
  const required = REQUIRED_OBJECTS.filter(([name]) => nodeExporter || !name.startsWith('DaemonSet'));
  const missing = required.filter(([, find]) => find(manifests) === undefined);
  if (missing.length > 0) {
    const names = missing.map(([name]) => name).join(', ');
    throw new UserError(`helm template of chart ${chart} rendered no ${names}: the chart, its values or helm is not what this app expects`);
  }
}

type PolicyTarget = Pick<PodNetworkPolicyProps, 'name' | 'namespace' | 'podLabels' | 'ports'>;

/**
 * A policy named after the workload (requireInstall has made sure it exists), selecting its pods by the
 * workload's own selector, for its container ports.
 */
function policyTarget(manifest: Manifest | undefined, namespace: string): PolicyTarget {
  const workload = manifest as Manifest;
  const ports = (podSpecOf(workload)?.containers ?? [])
    .flatMap((container) => container.ports ?? [])
    .map((port) => port.containerPort);
  const podLabels = workload.spec?.selector?.matchLabels ?? {};
  return { name: workload.metadata.name, namespace, podLabels, ports };
}
