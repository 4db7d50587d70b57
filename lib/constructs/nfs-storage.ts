import { Size } from 'cdk8s';
import { Construct } from 'constructs';
import { KubePersistentVolume, KubePersistentVolumeClaim, Quantity } from '../../imports/k8s';
import { isNfsHost, isSafeAbsolutePath } from '../config/rules';
import { AccessMode, BOOK_DEFAULTS, ReclaimPolicy } from '../config/schema';
import { toSize } from './units';
import { PART_OF_LABELS, SYNC_WAVE_ANNOTATION, SyncWave } from './sync-waves';

/** Properties of {@link NfsStorage}. */
export interface NfsStorageProps {
  /** NFS server address. @default none, required */
  readonly server: string;
  /** Exported path that holds the data. @default none, required */
  readonly path: string;
  /** Name of the PersistentVolume. @default "prometheus-server" (BOOK_DEFAULTS) */
  readonly volumeName?: string;
  /** Name of the PersistentVolumeClaim. @default "prometheus-server" (BOOK_DEFAULTS) */
  readonly claimName?: string;
  /** Namespace of the claim. @default "default" (BOOK_DEFAULTS) */
  readonly namespace?: string;
  /** Capacity of the volume and request of the claim. @default Size.gibibytes(10) (BOOK_DEFAULTS) */
  readonly size?: Size;
  /** Access mode of volume and claim. @default "ReadWriteMany" (BOOK_DEFAULTS) */
  readonly accessMode?: AccessMode;
  /** Reclaim policy of the volume. @default "Retain" (BOOK_DEFAULTS) */
  readonly reclaimPolicy?: ReclaimPolicy;
}

/**
 * An NFS PersistentVolume and the one PersistentVolumeClaim that may bind it.
 *
 * The binding is explicit in both directions: the claim names the volume (`volumeName`) and opts out
 * of dynamic provisioning (`storageClassName: ""`, which for a claim differs from unset), and the
 * volume reserves itself for the claim (`claimRef`). Without that, a cluster with a default
 * StorageClass provisions a new volume for the claim and Prometheus never writes to NFS.
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
    const defaults = BOOK_DEFAULTS.storage;
    const volumeName = props.volumeName ?? defaults.volumeName;
    const namespace = props.namespace ?? BOOK_DEFAULTS.namespace;
    const size = Quantity.fromString((props.size ?? toSize(defaults.size)).asString());
    const accessModes = [props.accessMode ?? defaults.accessMode];
    this.claimName = props.claimName ?? defaults.claimName;
    const annotations = { [SYNC_WAVE_ANNOTATION]: SyncWave.STORAGE };

    this.volume = new KubePersistentVolume(this, 'Volume', {
      metadata: { name: volumeName, labels: { ...PART_OF_LABELS }, annotations },
      spec: {
        capacity: { storage: size },
        accessModes,
        persistentVolumeReclaimPolicy: props.reclaimPolicy ?? defaults.reclaimPolicy,
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
  if (!isNfsHost(props.server)) {
    throw new Error(`NfsStorage: server "${props.server}" is invalid; set it to an IPv4 address or a DNS-1123 host name`);
  }
  if (!isSafeAbsolutePath(props.path)) {
    throw new Error(`NfsStorage: path "${props.path}" is invalid; set it to the normalised absolute exported path`);
  }
}
