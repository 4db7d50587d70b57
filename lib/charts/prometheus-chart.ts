import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import type { Config } from '../config/schema';
import { PART_OF_LABELS } from '../manifests/metadata';
import { Prometheus } from '../prometheus/prometheus';
import { prometheusSettings } from './prometheus-settings';

/** 0002-prometheus.k8s.yaml: the book's chart, rendered by helm, hardened, with its NetworkPolicies. */
export class PrometheusChart extends Chart {
  constructor(scope: Construct, id: string, config: Config) {
    super(scope, id);
    new Prometheus(this, 'Prometheus', { ...prometheusSettings(config), labels: PART_OF_LABELS });
  }
}
