import type { TemplateRequest } from '../helm/helm-template';
import { minorOf, NOBODY, ServiceType } from '../support/rules';

/*
 * What the Prometheus chart is rendered with, as plain data. No cdk8s here: synth imports this to
 * start helm before cdk8s has loaded.
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

/** A container's requests and limits, as the chart passes them through. */
export interface ContainerResourceValues {
  readonly requests: Readonly<Record<'cpu' | 'memory' | 'ephemeral-storage', string>>;
  readonly limits: Readonly<Record<'cpu' | 'memory' | 'ephemeral-storage', string>>;
}

/** The server's CPU and memory, as quantities (the config's prometheus.resources). */
export interface ServerResources {
  readonly cpuRequest: string;
  readonly cpuLimit: string;
  readonly memoryRequest: string;
  readonly memoryLimit: string;
}

/** An image's pull policy; the chart keeps its repository and tag. */
interface ImageValues {
  readonly image: { readonly pullPolicy: 'Always' };
}

/** The values of chart prometheus 11.6.0 this app sets; everything else keeps the chart's default. */
export interface PrometheusChartValues {
  readonly pushgateway: { readonly enabled: boolean };
  readonly alertmanager: { readonly enabled: boolean };
  readonly nodeExporter: ImageValues & {
    readonly enabled: boolean;
    readonly tolerations: readonly Toleration[];
    readonly resources: ContainerResourceValues;
    readonly securityContext: { readonly runAsUser: number; readonly runAsGroup: number; readonly runAsNonRoot: boolean };
  };
  readonly configmapReload: { readonly prometheus: ImageValues & { readonly resources: ContainerResourceValues } };
  readonly server: ImageValues & {
    readonly persistentVolume: { readonly existingClaim: string };
    readonly securityContext: {
      readonly runAsUser: number;
      readonly runAsGroup: number;
      readonly fsGroup: number;
      readonly runAsNonRoot: boolean;
    };
    readonly service: { readonly type: ServiceType; readonly loadBalancerSourceRanges?: readonly string[] };
    readonly extraFlags: readonly string[];
    readonly strategy: { readonly type: 'Recreate' };
    readonly resources: ContainerResourceValues;
  };
  readonly 'kube-state-metrics': ImageValues & {
    readonly collectors: Readonly<Partial<Record<DisabledCollector, boolean>>>;
    readonly resources: ContainerResourceValues;
  };
}

/** What an install of the book's chart varies by; the Prometheus construct's props add the renderer and labels. */
export interface PrometheusSettings {
  /** Kubernetes minor version to render for, "1.N". @default none, required */
  readonly kubernetesVersion: string;
  /** Existing PersistentVolumeClaim for the server's data. @default none, required */
  readonly claimName: string;
  /** uid the server runs as; must own the data directory. @default none, required */
  readonly uid: number;
  /** gid the server runs as, and its fsGroup. @default none, required */
  readonly gid: number;
  /** The server container's CPU and memory. @default none, required */
  readonly resources: ServerResources;
  /** Helm release name. @default "prometheus" */
  readonly releaseName?: string;
  /** Namespace of the release. @default "default" */
  readonly namespace?: string;
  /** Type of the server Service; LoadBalancer gets its address from MetalLB. @default "ClusterIP" (the chart's own) */
  readonly serviceType?: ServiceType;
  /** Networks outside the cluster that may reach the server, through its LoadBalancer and NetworkPolicy. @default [] */
  readonly loadBalancerSourceRanges?: readonly string[];
  /** Whether to run node-exporter: one per node at most, as its host port allows. @default true */
  readonly nodeExporter?: boolean;
}

/** The settings with every optional one filled in. */
export type CompleteSettings = Required<PrometheusSettings>;

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

const MASTER_TAINT = 'node-role.kubernetes.io/master';
const CONTROL_PLANE_TAINT = 'node-role.kubernetes.io/control-plane';

/**
 * The taints kubeadm puts on a control-plane node of the target release, which node-exporter must
 * tolerate to run there: `master` up to 1.23 (the book's clusters); both in 1.24, which added
 * `control-plane`; only `control-plane` from 1.25, when kubeadm stopped setting `master` and removed it
 * on upgrade (kubeadm's 1.24 and 1.25 release notes).
 */
function controlPlaneTolerations(targetMinor: number): Toleration[] {
  const keys = targetMinor <= 23 ? [MASTER_TAINT] : targetMinor === 24 ? [MASTER_TAINT, CONTROL_PLANE_TAINT] : [CONTROL_PLANE_TAINT];
  return keys.map((key) => ({ key, operator: 'Exists', effect: 'NoSchedule' }));
}

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

/** The settings with the defaults of {@link PrometheusSettings} filled in. */
export function completeSettings(settings: PrometheusSettings): CompleteSettings {
  return {
    releaseName: 'prometheus',
    namespace: 'default',
    serviceType: 'ClusterIP',
    loadBalancerSourceRanges: [],
    nodeExporter: true,
    ...withoutUndefined(settings),
  } as CompleteSettings;
}

/** The render of the book's chart for these settings. */
export function prometheusTemplateRequest(settings: PrometheusSettings): TemplateRequest {
  const complete = completeSettings(settings);
  return {
    chart: 'prometheus',
    releaseName: complete.releaseName,
    namespace: complete.namespace,
    kubernetesVersion: complete.kubernetesVersion,
    values: bookValues(complete),
    apiVersions: [],
  };
}

/** The book's --set values, corrected for the target version (see README, "Deviations"). */
function bookValues(settings: CompleteSettings): PrometheusChartValues {
  const { cpuRequest, cpuLimit, memoryRequest, memoryLimit } = settings.resources;
  const service = settings.serviceType === 'LoadBalancer'
    ? { type: settings.serviceType, loadBalancerSourceRanges: settings.loadBalancerSourceRanges }
    : { type: settings.serviceType };
  return {
    pushgateway: { enabled: false },
    alertmanager: { enabled: false },
    nodeExporter: {
      enabled: settings.nodeExporter,
      tolerations: controlPlaneTolerations(minorOf(settings.kubernetesVersion)),
      resources: resources(['50m', '200m'], ['32Mi', '64Mi'], SMALL_EPHEMERAL),
      // It reads the host's /proc and /sys, which nobody may read; the chart leaves it root.
      securityContext: { runAsUser: NOBODY, runAsGroup: NOBODY, runAsNonRoot: true },
      image: ALWAYS_PULL,
    },
    configmapReload: { prometheus: { resources: resources(['10m', '50m'], ['16Mi', '32Mi'], SMALL_EPHEMERAL), image: ALWAYS_PULL } },
    server: {
      persistentVolume: { existingClaim: settings.claimName },
      securityContext: { runAsUser: settings.uid, runAsGroup: settings.gid, fsGroup: settings.gid, runAsNonRoot: true },
      service,
      extraFlags: SERVER_FLAGS,
      // Two servers on one TSDB without a lock file corrupt it: never overlap old and new pod.
      strategy: { type: 'Recreate' },
      resources: resources([cpuRequest, cpuLimit], [memoryRequest, memoryLimit], ['16Mi', '256Mi']),
      image: ALWAYS_PULL,
    },
    'kube-state-metrics': {
      collectors: disabledCollectors(minorOf(settings.kubernetesVersion)),
      resources: resources(['50m', '200m'], ['64Mi', '128Mi'], SMALL_EPHEMERAL),
      image: ALWAYS_PULL,
    },
  };
}

/** A tag can be moved: pull every time so a changed image or lost pull secret shows at once. */
const ALWAYS_PULL = { pullPolicy: 'Always' } as const;
/** Containers that write nothing but their logs, which count as ephemeral storage. */
const SMALL_EPHEMERAL: [string, string] = ['8Mi', '64Mi'];

function resources(cpu: [string, string], memory: [string, string], ephemeral: [string, string]): ContainerResourceValues {
  return {
    requests: { cpu: cpu[0], memory: memory[0], 'ephemeral-storage': ephemeral[0] },
    limits: { cpu: cpu[1], memory: memory[1], 'ephemeral-storage': ephemeral[1] },
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
