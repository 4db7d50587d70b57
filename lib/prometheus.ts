import { Construct } from 'constructs';
import { HelmChart, HelmChartProps } from './helm-chart';
import { PrometheusChartValues, prometheusChartInputs, PrometheusValuesProps } from './prometheus-values';

/** Properties of {@link Prometheus}: the chart inputs (see PrometheusValuesProps) and where the chart comes from. */
export interface PrometheusProps extends PrometheusValuesProps {
  /** Where the chart comes from and which helm renders it. @default the lock file, $CHART_MIRROR and findHelm() */
  readonly chartSource?: Pick<HelmChartProps, 'lockFile' | 'mirror' | 'helm' | 'chartCacheDir'>;
}

/**
 * The book's `helm install prometheus edu/prometheus --set ...`, rendered for the target version:
 * Prometheus server, node-exporter and kube-state-metrics, without pushgateway and alertmanager.
 */
export class Prometheus extends Construct {
  /** The rendered chart. */
  public readonly chart: HelmChart;
  /** The values it was rendered with. */
  public readonly values: PrometheusChartValues;

  constructor(scope: Construct, id: string, props: PrometheusProps = {}) {
    super(scope, id);
    const uid = props.uid ?? 1000;
    const gid = props.gid ?? 1000;
    if (uid === 0) {
      throw new Error('Prometheus: uid 0 contradicts the chart\'s runAsNonRoot; set uid to the data directory\'s non-root owner');
    }
    const inputs = prometheusChartInputs({ ...props, uid, gid });
    this.values = inputs.values;
    this.chart = new HelmChart(this, 'Chart', { ...props.chartSource, ...inputs });
  }
}

