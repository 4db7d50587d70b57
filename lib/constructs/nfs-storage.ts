import { Size } from 'cdk8s';
import { Construct } from 'constructs';
import { KubePersistentVolume, KubePersistentVolumeClaim, Quantity } from '../../imports/k8s';
import { AccessMode, isNfsHost, isSafeAbsolutePath, ReclaimPolicy } from '../support/rules';

/** Properties of {@link NfsStorage}. */
export interface NfsStorageProps {
  /** NFS server address. @default none, required */
  readonly server: string;
  /** Exported directory on the server that holds the data. @default none, required */
  readonly dataPath: string;
  /** Name of the PersistentVolume. @default none, required */
  readonly volumeName: string;
  /** Name of the PersistentVolumeClaim. @default none, required */
  readonly claimName: string;
  /** Capacity of the volume and request of the claim. @default none, required */
  readonly size: Size;
  /** Namespace of the claim. @default none, required */
  readonly namespace: string;
  /** Access mode of volume and claim (NFS can be mounted by several nodes at once: ReadWriteMany). @default none, required */
  readonly accessMode: AccessMode;
  /** Reclaim policy of the volume ("Retain": deleting the claim never deletes data). @default none, required */
  readonly reclaimPolicy: ReclaimPolicy;
  /** Labels of both objects. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
  /** Annotations of both objects, such as an Argo CD sync wave. @default {} */
  readonly annotations?: Readonly<Record<string, string>>;
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
    const { namespace } = props;
    const size = Quantity.fromString(props.size.asString());
    const accessModes = [props.accessMode];
    const metadata = { labels: { ...props.labels }, annotations: { ...props.annotations } };
    this.claimName = props.claimName;

    this.volume = new KubePersistentVolume(this, 'Volume', {
      metadata: { name: props.volumeName, ...metadata },
      spec: {
        capacity: { storage: size },
        accessModes,
        persistentVolumeReclaimPolicy: props.reclaimPolicy,
        // No storageClassName: for a volume, "" and unset both mean "no class", and the API server
        // stores "" as unset, so writing it would make every kubectl apply report a change.
        claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace, name: props.claimName },
        nfs: { server: props.server, path: props.dataPath },
      },
    });

    this.claim = new KubePersistentVolumeClaim(this, 'Claim', {
      metadata: { name: props.claimName, namespace, ...metadata },
      spec: {
        accessModes,
        storageClassName: '',
        volumeName: props.volumeName,
        resources: { requests: { storage: size } },
      },
    });
  }
}

function validateProps(props: NfsStorageProps): void {
  if (!isNfsHost(props.server)) {
    throw new Error(`NfsStorage: server "${props.server}" is invalid; set it to an IPv4 address or a DNS-1123 host name`);
  }
  if (!isSafeAbsolutePath(props.dataPath)) {
    throw new Error(`NfsStorage: dataPath "${props.dataPath}" is invalid; set it to the normalised absolute exported path`);
  }
}
