import { Construct } from 'constructs';
import { KubeJob, Quantity } from '../imports/k8s';
import { PART_OF_LABELS, SYNC_WAVE_ANNOTATION, SyncWave } from './sync-waves';

/** Where the Job mounts the NFS export inside its container. */
export const EXPORT_MOUNT_PATH = '/export';

/**
 * The Job's whole program. It is a constant: every input reaches it as an environment variable and
 * is only ever expanded inside double quotes, so no config value becomes shell syntax. Running it
 * twice is safe: `mkdir -p` accepts an existing directory, and chown runs only when the owner differs.
 */
export const PREPARE_DIRECTORY_SCRIPT = [
  'set -eu',
  'if [ -L "$DATA_DIR" ]; then echo "refusing to prepare $DATA_DIR: it is a symbolic link" >&2; exit 1; fi',
  'mkdir -p -- "$DATA_DIR"',
  'current_owner=$(stat -c %u:%g -- "$DATA_DIR")',
  'if [ "$current_owner" = "$OWNER_UID:$OWNER_GID" ]; then',
  '  echo "$DATA_DIR is owned by $current_owner already; nothing to change"',
  'else',
  '  chown -- "$OWNER_UID:$OWNER_GID" "$DATA_DIR"',
  '  echo "$DATA_DIR owner changed from $current_owner to $OWNER_UID:$OWNER_GID"',
  'fi',
].join('\n');

/** Properties of {@link NfsDirectoryJob}. */
export interface NfsDirectoryJobProps {
  /** Job name. @default "prometheus-server-nfs-prep" */
  readonly name?: string;
  /** Namespace of the Job. @default "default" */
  readonly namespace?: string;
  /** Image with a POSIX sh, mkdir, stat and chown, pinned by digest. @default none, required */
  readonly image: string;
  /** NFS server address. @default none, required */
  readonly server: string;
  /** Exported directory to mount; must contain dataPath. @default "/nfs_shared" */
  readonly exportRoot?: string;
  /** Directory to create and chown, as a path on the NFS server. @default "/nfs_shared/prometheus/server" */
  readonly dataPath?: string;
  /** Owner uid to give the directory. @default 1000 */
  readonly uid?: number;
  /** Owner gid to give the directory. @default 1000 */
  readonly gid?: number;
  /** Retries before the Job fails. @default 3 */
  readonly backoffLimit?: number;
  /** Seconds a finished Job is kept. @default 86400 */
  readonly ttlSecondsAfterFinished?: number;
  /** Seconds before a hanging Job is stopped. @default 300 */
  readonly activeDeadlineSeconds?: number;
}

/**
 * A Job that creates the Prometheus data directory on the NFS export and gives it to the uid:gid
 * Prometheus runs as. It replaces the book's nfs-exporter.sh and `chown 1000:1000`.
 *
 * It runs as root because only root may chown, but with every capability dropped except CHOWN, no
 * privilege escalation and a read-only root filesystem. The export needs `no_root_squash`.
 */
export class NfsDirectoryJob extends Construct {
  /** The Job. */
  public readonly job: KubeJob;

  constructor(scope: Construct, id: string, props: NfsDirectoryJobProps) {
    super(scope, id);
    const exportRoot = props.exportRoot ?? '/nfs_shared';
    const dataPath = props.dataPath ?? '/nfs_shared/prometheus/server';
    validateProps(exportRoot, dataPath, props);

    this.job = new KubeJob(this, 'Job', {
      metadata: {
        name: props.name ?? 'prometheus-server-nfs-prep',
        namespace: props.namespace ?? 'default',
        labels: { ...PART_OF_LABELS },
        annotations: { [SYNC_WAVE_ANNOTATION]: SyncWave.DIRECTORY_PREP },
      },
      spec: {
        backoffLimit: props.backoffLimit ?? 3,
        ttlSecondsAfterFinished: props.ttlSecondsAfterFinished ?? 86400,
        activeDeadlineSeconds: props.activeDeadlineSeconds ?? 300,
        template: {
          metadata: { labels: { ...PART_OF_LABELS } },
          spec: {
            restartPolicy: 'Never',
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: {
              runAsUser: 0,
              runAsGroup: 0,
              runAsNonRoot: false,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            containers: [{
              name: 'prepare-directory',
              image: props.image,
              command: ['/bin/sh', '-c', PREPARE_DIRECTORY_SCRIPT],
              env: [
                { name: 'DATA_DIR', value: mountedDataDir(exportRoot, dataPath) },
                { name: 'OWNER_UID', value: String(props.uid ?? 1000) },
                { name: 'OWNER_GID', value: String(props.gid ?? 1000) },
              ],
              securityContext: {
                allowPrivilegeEscalation: false,
                privileged: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'], add: ['CHOWN'] },
              },
              resources: {
                requests: { cpu: Quantity.fromString('10m'), memory: Quantity.fromString('16Mi') },
                limits: { cpu: Quantity.fromString('100m'), memory: Quantity.fromString('32Mi') },
              },
              volumeMounts: [{ name: 'nfs-export', mountPath: EXPORT_MOUNT_PATH }],
            }],
            volumes: [{ name: 'nfs-export', nfs: { server: props.server, path: exportRoot } }],
          },
        },
      },
    });
  }
}

/** The data directory as the container sees it: the export is mounted at EXPORT_MOUNT_PATH. */
export function mountedDataDir(exportRoot: string, dataPath: string): string {
  const relative = exportRoot === '/' ? dataPath : dataPath.slice(exportRoot.length);
  return EXPORT_MOUNT_PATH + relative;
}

function validateProps(exportRoot: string, dataPath: string, props: NfsDirectoryJobProps): void {
  const prefix = exportRoot === '/' ? '/' : `${exportRoot}/`;
  if (!dataPath.startsWith(prefix)) {
    throw new Error(`NfsDirectoryJob: dataPath "${dataPath}" is not below exportRoot "${exportRoot}"; set exportRoot to a directory that contains it`);
  }
  if (!props.image.includes('@sha256:')) {
    throw new Error(`NfsDirectoryJob: image "${props.image}" is not pinned; append @sha256:<digest>`);
  }
}
