import type { Config } from '../config/schema';
import type { PrometheusSettings } from '../prometheus/settings';

/** The Prometheus settings of one environment's config: what PrometheusChart and the chart-values reference build from. */
export function prometheusSettings(config: Config): PrometheusSettings {
  return {
    chart: config.prometheus.chart,
    kubernetesVersion: config.kubernetesVersion,
    claimName: config.storage.claimName,
    uid: config.owner.uid,
    gid: config.owner.gid,
    resources: config.prometheus.resources,
    releaseName: config.prometheus.releaseName,
    namespace: config.namespace,
    serviceType: config.prometheus.serviceType,
    loadBalancerSourceRanges: config.prometheus.loadBalancerSourceRanges,
    nodeExporter: config.prometheus.nodeExporter,
  };
}
