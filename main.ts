import { App, Chart, Duration, YamlOutputType } from 'cdk8s';
import type { Environment } from './lib/config/loader';
import { InstallNamespace } from './lib/constructs/install-namespace';
import { NfsDirectoryJob } from './lib/constructs/nfs-directory-job';
import { NfsStorage } from './lib/constructs/nfs-storage';
import { Prometheus } from './lib/constructs/prometheus';
import { prometheusSettings } from './lib/constructs/prometheus-values';
import { toSize } from './lib/constructs/units';
import type { ChartRenderer } from './lib/helm/renderer';

/** Where one environment's app writes. */
export interface EnvironmentOutput {
  /** The folder. */
  readonly outdir: string;
  /** One file for the whole app instead of one per chart. @default false */
  readonly singleFile?: boolean;
}

/**
 * The book's install for one environment: a cdk8s app of three charts, written to `outdir` as one file
 * each. The dependencies make cdk8s number the files in apply order (0000-, 0001-, 0002-), and
 * `kubectl apply -f` reads a folder in name order. `npm run synth` (lib/commands/synth.ts) calls this
 * once per environment with a renderer that already holds helm's output.
 */
// lib/commands/synth.ts imports main.ts lazily, with import(), which the unused-export check cannot see.
// ts-unused-exports:disable-next-line
export function synthEnvironment(environment: Environment, output: EnvironmentOutput, renderer?: ChartRenderer): void {
  const { config } = environment;
  const app = new App({
    outdir: output.outdir,
    outputFileExtension: '.k8s.yaml',
    yamlOutputType: output.singleFile ? YamlOutputType.FILE_PER_APP : YamlOutputType.FILE_PER_CHART,
    recordConstructMetadata: false,
  });

  // 0000-storage.k8s.yaml: the namespace (unless it is "default"), the NFS PersistentVolume and its claim.
  const storage = new Chart(app, 'storage');
  if (config.namespace !== 'default') {
    new InstallNamespace(storage, 'Namespace', { name: config.namespace });
  }
  new NfsStorage(storage, 'NfsStorage', {
    server: config.nfs.server,
    path: config.nfs.dataPath,
    volumeName: config.storage.volumeName,
    claimName: config.storage.claimName,
    namespace: config.namespace,
    size: toSize(config.storage.size),
    accessMode: config.storage.accessMode,
    reclaimPolicy: config.storage.reclaimPolicy,
  });

  // 0001-nfs-directory-prep.k8s.yaml: the Job that creates and chowns the data directory.
  const directoryPrep = new Chart(app, 'nfs-directory-prep');
  new NfsDirectoryJob(directoryPrep, 'NfsDirectoryJob', {
    server: config.nfs.server,
    name: config.prepJob.name,
    namespace: config.namespace,
    image: config.prepJob.image,
    exportRoot: config.nfs.exportRoot,
    dataPath: config.nfs.dataPath,
    uid: config.owner.uid,
    gid: config.owner.gid,
    backoffLimit: config.prepJob.backoffLimit,
    ttlAfterFinished: Duration.seconds(config.prepJob.ttlSecondsAfterFinished),
    activeDeadline: Duration.seconds(config.prepJob.activeDeadlineSeconds),
  });
  directoryPrep.addDependency(storage);

  // 0002-prometheus.k8s.yaml: the book's chart, rendered by helm.
  const monitoring = new Chart(app, 'prometheus');
  new Prometheus(monitoring, 'Prometheus', { ...prometheusSettings(config), renderer });
  monitoring.addDependency(directoryPrep);

  app.synth();
}
