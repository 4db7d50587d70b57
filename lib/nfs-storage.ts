import { Construct } from 'constructs';
import { KubePersistentVolume, KubePersistentVolumeClaim, Quantity } from '../imports/k8s';
import { PART_OF_LABELS, SYNC_WAVE_ANNOTATION, SyncWave } from './sync-waves';

/** Properties of {@link NfsStorage}. */
export interface NfsStorageProps {
  /** Name of the PersistentVolume. @default "prometheus-server" */
  readonly volumeName?: string;
  /** Name of the PersistentVolumeClaim. @default "prometheus-server" */
  readonly claimName?: string;
  /** Namespace of the claim. @default "default" */
  readonly namespace?: string;
  /** NFS server address. @default none, required */
  readonly server: string;
  /** Exported path that holds the data. @default none, required */
  readonly path: string;
  /** Capacity of the volume and request of the claim. @default "10Gi" */
  readonly size?: string;
  /** Access mode of volume and claim. @default "ReadWriteMany" */
  readonly accessMode?: string;
  /** Reclaim policy of the volume. @default "Retain" */
  readonly reclaimPolicy?: string;
}

/**
 * An NFS PersistentVolume and the one PersistentVolumeClaim that may bind it.
 *
 * The binding is explicit in both directions: the claim names the volume (`volumeName`) and opts out
 * of dynamic provisioning (`storageClassName: ""`, which for a claim differs from unset), and the
 * volume, which has no class, reserves itself for the claim (`claimRef`). Without that, a cluster with a default StorageClass provisions a new volume for the
 * claim and Prometheus never writes to NFS.
 */
export class NfsStorage extends Construct {
  /** Name of the claim, for the workload that mounts it. */
  public readonly claimName: string;
  /** The PersistentVolume. */
  public readonly volume: KubePersistentVolume;
  /** The PersistentVolumeClaim. */
  public readonly claim: KubePersistentVolumeClaim;

  constructor(scope: Construct, id: string, props: NfsStorageProps) {
    super(scope, id);
    validateProps(props);
    const volumeName = props.volumeName ?? 'prometheus-server';
    const namespace = props.namespace ?? 'default';
    const size = Quantity.fromString(props.size ?? '10Gi');
    const accessModes = [props.accessMode ?? 'ReadWriteMany'];
    this.claimName = props.claimName ?? 'prometheus-server';
    const annotations = { [SYNC_WAVE_ANNOTATION]: SyncWave.STORAGE };

    this.volume = new KubePersistentVolume(this, 'Volume', {
      metadata: { name: volumeName, labels: { ...PART_OF_LABELS }, annotations },
      spec: {
        capacity: { storage: size },
        accessModes,
        persistentVolumeReclaimPolicy: props.reclaimPolicy ?? 'Retain',
        // No storageClassName: for a volume, "" and unset both mean "no class", and the API server
        // stores "" as unset, so writing it would make every kubectl apply report a change.
        claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace, name: this.claimName },
        nfs: { server: props.server, path: props.path },
      },
    });

    this.claim = new KubePersistentVolumeClaim(this, 'Claim', {
      metadata: { name: this.claimName, namespace, labels: { ...PART_OF_LABELS }, annotations },
      spec: {
        accessModes,
        storageClassName: '',
        volumeName,
        resources: { requests: { storage: size } },
      },
    });
  }
}

function validateProps(props: NfsStorageProps): void {
  if (!props.server) {
    throw new Error('NfsStorage: server is empty; set it to the NFS server address');
  }
  if (!props.path.startsWith('/')) {
    throw new Error(`NfsStorage: path "${props.path}" is relative; set it to the absolute exported path`);
  }
}
