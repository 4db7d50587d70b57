import type { Config } from '../config/schema';
import type { TemplateRequest } from '../helm/helm-template';
import { PrometheusChartName, ServiceType } from '../support/rules';
import { translatedValues } from './translations';

/* What the Prometheus chart is rendered with, as plain data: the construct's settings, and the render they ask for. */

/**
 * What an install of the book's Prometheus varies by, every one set (the config's schema holds the book's
 * defaults); the Prometheus construct's props add the renderer and labels.
 */
export interface PrometheusSettings {
  /** The chart to install, as charts.lock.yaml names it: the book's, or today's maintained one. @default none, required */
  readonly chart: PrometheusChartName;
  /** Kubernetes minor version to render for, "1.N". @default none, required */
  readonly kubernetesVersion: string;
  /** Existing PersistentVolumeClaim for the server's data. @default none, required */
  readonly claimName: string;
  /** uid the server runs as; must own the data directory. @default none, required */
  readonly uid: number;
  /** gid the server runs as, and its fsGroup. @default none, required */
  readonly gid: number;
  /** The server container's CPU and memory, as quantities. @default none, required */
  readonly resources: Config['prometheus']['resources'];
  /** Helm release name. @default none, required */
  readonly releaseName: string;
  /** Namespace of the release. @default none, required */
  readonly namespace: string;
  /** Type of the server Service; LoadBalancer gets its address from MetalLB. @default none, required */
  readonly serviceType: ServiceType;
  /** Networks outside the cluster that may reach the server, through its LoadBalancer and NetworkPolicy. @default none, required */
  readonly loadBalancerSourceRanges: readonly string[];
  /** Whether to run node-exporter: one per node at most, as its host port allows. @default none, required */
  readonly nodeExporter: boolean;
}

/** The chart values that turn on each template the book's chart can emit with a removed API (today's chart asks the target). */
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

/** The render of the chosen chart for these settings: the book's values as that chart spells them (translations.ts). */
export function prometheusTemplateRequest(settings: PrometheusSettings): TemplateRequest {
  const { chart, releaseName, namespace, kubernetesVersion } = settings;
  return { chart, releaseName, namespace, kubernetesVersion, values: translatedValues(chart, settings) };
}
