import * as path from 'path';
import { App, Chart, YamlOutputType } from 'cdk8s';
import type { Config } from './lib/config';
import type { Environment } from './lib/config-loader';
import { NfsDirectoryJob } from './lib/nfs-directory-job';
import { NfsStorage } from './lib/nfs-storage';
import { Prometheus, PrometheusProps } from './lib/prometheus';
import { prometheusPropsFromConfig } from './lib/prometheus-values';
import { replaceDirectory } from './lib/synth-output';

/** Options that are not config: where the chart comes from (tests point it elsewhere). */
export interface BuildOptions {
  /** Passed to the Prometheus construct. @default the lock file, $CHART_MIRROR and findHelm() */
  readonly chartSource?: PrometheusProps['chartSource'];
}

/**
 * Wires one environment's config to the constructs, as three charts in apply order: storage, the
 * directory-prep Job, Prometheus. The chart dependencies make cdk8s number the files 0000-, 0001-,
 * 0002-, so `kubectl apply -f` (which reads files in name order) creates them in that order.
 */
export function buildEnvironment(app: App, config: Config, options: BuildOptions = {}): void {
  const storage = new Chart(app, 'storage');
  new NfsStorage(storage, 'NfsStorage', {
    volumeName: config.storage.volumeName,
    claimName: config.storage.claimName,
    namespace: config.namespace,
    server: config.nfs.server,
    path: config.nfs.dataPath,
    size: config.storage.size,
    accessMode: config.storage.accessMode,
    reclaimPolicy: config.storage.reclaimPolicy,
  });

  const directoryPrep = new Chart(app, 'nfs-directory-prep');
  new NfsDirectoryJob(directoryPrep, 'NfsDirectoryJob', {
    ...config.prepJob,
    namespace: config.namespace,
    server: config.nfs.server,
    exportRoot: config.nfs.exportRoot,
    dataPath: config.nfs.dataPath,
    uid: config.owner.uid,
    gid: config.owner.gid,
  });
  directoryPrep.addDependency(storage);

  const monitoring = new Chart(app, 'prometheus');
  new Prometheus(monitoring, 'Prometheus', { ...prometheusPropsFromConfig(config), chartSource: options.chartSource });
  monitoring.addDependency(directoryPrep);
}

/** Synthesizes every environment into `<outdir>/<environment>/`, replacing outdir only on success. */
export function synthesize(environments: readonly Environment[], outdir: string, options: BuildOptions = {}): void {
  replaceDirectory(outdir, (staging) => {
    for (const environment of environments) {
      const app = new App({
        outdir: path.join(staging, environment.name),
        outputFileExtension: '.k8s.yaml',
        yamlOutputType: YamlOutputType.FILE_PER_CHART,
        recordConstructMetadata: false,
      });
      buildEnvironment(app, environment.config, options);
      app.synth();
    }
  });
}
