import { Construct } from 'constructs';
import { isNonRootId } from '../config/rules';
import { ChartRenderer } from '../helm/renderer';
import { HelmChart } from './helm-chart';
import { PROMETHEUS_VALUE_HINTS, PrometheusSettings, prometheusTemplateRequest } from './prometheus-values';

/** Properties of {@link Prometheus}: the install's settings, and what renders the chart. */
export interface PrometheusProps extends PrometheusSettings {
  /** Renders the pinned chart. @default HelmChart's default: the real helm, charts.lock.yaml, the render cache */
  readonly renderer?: ChartRenderer;
}

/**
 * The book's `helm install prometheus edu/prometheus --set ...`, rendered for the target version:
 * Prometheus server, node-exporter and kube-state-metrics, without pushgateway and alertmanager.
 */
export class Prometheus extends Construct {
  /** The rendered chart. */
  public readonly chart: HelmChart;

  constructor(scope: Construct, id: string, props: PrometheusProps = {}) {
    super(scope, id);
    for (const field of ['uid', 'gid'] as const) {
      const value = props[field];
      if (value !== undefined && !isNonRootId(value)) {
        throw new Error(`Prometheus: ${field} ${value} contradicts the chart's runAsNonRoot; set ${field} to the data directory's non-root owner`);
      }
    }
    const { renderer, ...settings } = props;
    this.chart = new HelmChart(this, 'Chart', { ...prometheusTemplateRequest(settings), valueHints: PROMETHEUS_VALUE_HINTS, renderer });
  }
}
