import { minorOf } from '../config/rules';
import { BOOK_DEFAULTS, Config, ServiceType } from '../config/schema';
import type { TemplateRequest } from '../helm/helm-template';

/*
 * What the Prometheus chart is rendered with, as plain data. No cdk8s here: the synth command imports
 * this to start helm before cdk8s has loaded.
 */

/** A pod toleration, as the chart passes it through. */
export interface Toleration {
  /** Taint key. */
  readonly key: string;
  /** Exists matches any value. */
  readonly operator: 'Exists' | 'Equal';
  /** Taint effect. */
  readonly effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

/** kube-state-metrics collectors whose APIs a cluster may no longer serve. */
export type RetiredCollector = 'certificatesigningrequests' | 'cronjobs' | 'horizontalpodautoscalers' | 'ingresses' | 'poddisruptionbudgets';
/** kube-state-metrics collectors this app switches off. */
export type DisabledCollector = RetiredCollector | 'secrets';

/** The values of chart prometheus 11.6.0 this app sets; everything else keeps the chart's default. */
export interface PrometheusChartValues {
  readonly pushgateway: { readonly enabled: boolean };
  readonly alertmanager: { readonly enabled: boolean };
  readonly nodeExporter: { readonly tolerations: readonly Toleration[] };
  readonly server: {
    readonly persistentVolume: { readonly existingClaim: string };
    readonly securityContext: {
      readonly runAsUser: number;
      readonly runAsGroup: number;
      readonly fsGroup: number;
      readonly runAsNonRoot: boolean;
    };
    readonly service: { readonly type: ServiceType };
    readonly extraFlags: readonly string[];
    readonly strategy: { readonly type: 'Recreate' };
  };
  readonly 'kube-state-metrics': { readonly collectors: Readonly<Partial<Record<DisabledCollector, boolean>>> };
}

/** What an install of the book's chart varies by; the Prometheus construct's props add the renderer. */
export interface PrometheusSettings {
  /** Helm release name. @default "prometheus" (BOOK_DEFAULTS) */
  readonly releaseName?: string;
  /** Namespace of the release. @default "default" (BOOK_DEFAULTS) */
  readonly namespace?: string;
  /** Kubernetes minor version to render for, "1.N". @default "1.27" (BOOK_DEFAULTS) */
  readonly kubeVersion?: string;
  /** Existing PersistentVolumeClaim for the server's data. @default "prometheus-server" (BOOK_DEFAULTS) */
  readonly claimName?: string;
  /** uid the server runs as; must own the data directory. @default 1000 (BOOK_DEFAULTS) */
  readonly uid?: number;
  /** gid the server runs as. @default 1000 (BOOK_DEFAULTS) */
  readonly gid?: number;
  /** Type of the server Service; LoadBalancer gets its address from MetalLB. @default "LoadBalancer" (BOOK_DEFAULTS) */
  readonly serviceType?: ServiceType;
}

/** The chart values that turn on each template this chart can emit with a removed API. */
export const PROMETHEUS_VALUE_HINTS: Readonly<Record<string, string>> = {
  'prometheus/templates/server-ingress.yaml': 'server.ingress.enabled=false',
  'prometheus/templates/alertmanager-ingress.yaml': 'alertmanager.ingress.enabled=false',
  'prometheus/templates/pushgateway-ingress.yaml': 'pushgateway.ingress.enabled=false',
  'prometheus/templates/server-podsecuritypolicy.yaml': 'podSecurityPolicy.enabled=false',
  'prometheus/templates/alertmanager-podsecuritypolicy.yaml': 'podSecurityPolicy.enabled=false',
  'prometheus/templates/pushgateway-podsecuritypolicy.yaml': 'podSecurityPolicy.enabled=false',
  'prometheus/templates/node-exporter-podsecuritypolicy.yaml': 'podSecurityPolicy.enabled=false',
  'prometheus/charts/kube-state-metrics/templates/podsecuritypolicy.yaml': 'kube-state-metrics.podSecurityPolicy.enabled=false',
};

/** The server flags: the book's no-lockfile, plus the chart default the book's --set dropped. */
const SERVER_FLAGS: readonly string[] = ['web.enable-lifecycle', 'storage.tsdb.no-lockfile'];

/** Taints node-exporter tolerates: the book's `master`, and `control-plane`, its name since 1.24. */
const CONTROL_PLANE_TOLERATIONS: readonly Toleration[] = [
  { key: 'node-role.kubernetes.io/master', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' },
];

/**
 * Minor version that stopped serving the API each kube-state-metrics 1.9.7 collector lists (read in its
 * source, internal/store: certificates/v1beta1, extensions/v1beta1, batch/v1beta1, autoscaling/v2beta1,
 * policy/v1beta1; its other collectors list v1 APIs).
 */
const COLLECTOR_API_REMOVED_IN: Readonly<Record<RetiredCollector, number>> = {
  certificatesigningrequests: 22,
  ingresses: 22,
  cronjobs: 25,
  horizontalpodautoscalers: 25,
  poddisruptionbudgets: 25,
};

/** The Prometheus settings of one environment's config. */
export function prometheusSettings(config: Config): Required<PrometheusSettings> {
  return {
    releaseName: config.prometheus.releaseName,
    namespace: config.namespace,
    kubeVersion: config.kubernetesVersion,
    claimName: config.storage.claimName,
    uid: config.owner.uid,
    gid: config.owner.gid,
    serviceType: config.prometheus.serviceType,
  };
}

/** The render of the book's chart for these settings, unset ones taken from the book. */
export function prometheusTemplateRequest(settings: PrometheusSettings): TemplateRequest {
  const complete = { ...prometheusSettings(BOOK_DEFAULTS), ...withoutUndefined(settings) };
  return {
    chart: 'prometheus',
    releaseName: complete.releaseName,
    namespace: complete.namespace,
    kubeVersion: complete.kubeVersion,
    values: bookValues(complete),
    apiVersions: [],
  };
}

/** The book's --set values, corrected for the target version (see README, "Deviations"). */
function bookValues(settings: Required<PrometheusSettings>): PrometheusChartValues {
  return {
    pushgateway: { enabled: false },
    alertmanager: { enabled: false },
    nodeExporter: { tolerations: CONTROL_PLANE_TOLERATIONS },
    server: {
      persistentVolume: { existingClaim: settings.claimName },
      securityContext: { runAsUser: settings.uid, runAsGroup: settings.gid, fsGroup: settings.gid, runAsNonRoot: true },
      service: { type: settings.serviceType },
      extraFlags: SERVER_FLAGS,
      // Two servers on one TSDB without a lock file corrupt it: never overlap old and new pod.
      strategy: { type: 'Recreate' },
    },
    'kube-state-metrics': { collectors: disabledCollectors(minorOf(settings.kubeVersion)) },
  };
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
}

/**
 * Collectors to switch off: those whose API the target no longer serves (they only log errors), and
 * `secrets`, whose ClusterRole rule lets kube-state-metrics read every Secret in the cluster.
 */
function disabledCollectors(targetMinor: number): Partial<Record<DisabledCollector, boolean>> {
  const collectors: Partial<Record<DisabledCollector, boolean>> = { secrets: false };
  for (const [collector, removedIn] of Object.entries(COLLECTOR_API_REMOVED_IN) as Array<[RetiredCollector, number]>) {
    if (targetMinor >= removedIn) collectors[collector] = false;
  }
  return collectors;
}
