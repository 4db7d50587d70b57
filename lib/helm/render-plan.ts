import { ensureChart, readChartLock } from './chart-source';
import { findHelm, HelmBinary } from './helm-binary';
import { RenderRequest } from './render';

/** Which chart to render, how, and where it comes from. */
export interface ChartRenderInputs {
  /** Name of the chart's entry in charts.lock.yaml. @default none, required */
  readonly chart: string;
  /** Helm release name. @default the chart name */
  readonly releaseName?: string;
  /** Namespace of the release and of every namespaced object. @default "default" */
  readonly namespace?: string;
  /** Chart values. @default {} (the chart's own defaults) */
  readonly values?: object;
  /** Kubernetes minor version to render for, "1.N". @default "1.27" */
  readonly kubeVersion?: string;
  /** API versions to report as served, for templates that ask .Capabilities.APIVersions. @default [] */
  readonly apiVersions?: readonly string[];
  /** The lock file. @default charts.lock.yaml in the project root */
  readonly lockFile?: string;
  /** helm v3 to render with. @default the one findHelm() returns */
  readonly helm?: HelmBinary;
  /** Directory or http(s) URL mirroring the chart repository. @default $CHART_MIRROR, else the lock's repository */
  readonly mirror?: string;
  /** Where verified chart archives are kept. @default $CHART_CACHE_DIR, else .cache/charts */
  readonly chartCacheDir?: string;
}

/** A render, ready to run: the request for helm and the digest of the verified chart. */
export interface RenderPlan {
  readonly request: RenderRequest;
  readonly digest: string;
}

/** Applies the defaults, finds helm and verifies (pulling if needed) the pinned chart. */
export function planRender(inputs: ChartRenderInputs): RenderPlan {
  const lock = readChartLock(inputs.chart, inputs.lockFile);
  const helm = inputs.helm ?? findHelm();
  const chartPath = ensureChart(lock, { helm, mirror: inputs.mirror, cacheDir: inputs.chartCacheDir });
  return {
    digest: lock.digest,
    request: {
      helm,
      chartPath,
      releaseName: inputs.releaseName ?? inputs.chart,
      namespace: inputs.namespace ?? 'default',
      values: inputs.values ?? {},
      kubeVersion: inputs.kubeVersion ?? '1.27',
      apiVersions: inputs.apiVersions ?? [],
    },
  };
}
