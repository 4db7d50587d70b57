import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import type { Config } from '../config/schema';
import { InstallNamespace } from '../constructs/install-namespace';
import { NfsStorage } from '../constructs/nfs-storage';
import { INSTALL_POD_SECURITY_LABELS, KEEP_WHEN_PRUNED, PART_OF_LABELS, SyncWave, syncWave } from '../manifests/metadata';
import { toSize } from './units';

/**
 * 0000-storage.k8s.yaml: the namespace (unless it is "default"), labelled with the Pod Security level its
 * pods need, the NFS PersistentVolume and its claim; every object labelled part of the install.
 */
export class StorageChart extends Chart {
  constructor(scope: Construct, id: string, config: Config) {
    super(scope, id, { labels: PART_OF_LABELS });
    if (config.namespace !== 'default') {
      const annotations = syncWave(SyncWave.NAMESPACE);
      new InstallNamespace(this, 'Namespace', { name: config.namespace, labels: INSTALL_POD_SECURITY_LABELS, annotations });
    }
    new NfsStorage(this, 'NfsStorage', {
      server: config.nfs.server,
      dataPath: config.nfs.dataPath,
      volumeName: config.storage.volumeName,
      claimName: config.storage.claimName,
      namespace: config.namespace,
      size: toSize(config.storage.size),
      accessMode: config.storage.accessMode,
      reclaimPolicy: config.storage.reclaimPolicy,
      annotations: { ...syncWave(SyncWave.STORAGE), ...KEEP_WHEN_PRUNED },
    });
  }
}
