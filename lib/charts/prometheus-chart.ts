import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import type { Config } from '../config/schema';
import { PART_OF_LABELS } from '../manifests/metadata';
import { Prometheus } from '../prometheus/prometheus';
import type { PrometheusSettings } from '../prometheus/settings';

/** 0002-prometheus.k8s.yaml: the book's chart, rendered by helm, hardened, with its NetworkPolicies. */
export class PrometheusChart extends Chart {
  constructor(scope: Construct, id: string, config: Config) {
    super(scope, id);
    new Prometheus(this, 'Prometheus', { ...prometheusSettings(config), labels: PART_OF_LABELS });
  }
}

/** The Prometheus settings of one environment's config: what PrometheusChart and the chart-values reference build from. */
export function prometheusSettings(config: Config): PrometheusSettings {
  const { chart, releaseName, serviceType, loadBalancerSourceRanges, nodeExporter, resources } = config.prometheus;
  return {
    chart, releaseName, serviceType, loadBalancerSourceRanges, nodeExporter, resources,
    kubernetesVersion: config.kubernetesVersion,
    claimName: config.storage.claimName,
    uid: config.owner.uid,
    gid: config.owner.gid,
    namespace: config.namespace,
  };
}
