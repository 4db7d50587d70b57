import { createHash } from 'crypto';
import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { JobSpec, KubeJob, Quantity } from '../../imports/k8s';
import { isBelow, isHashedNameBase, isNfsHost, isNonRootId, isPinnedImage, JOB_NAME_HASH_LENGTH } from '../support/rules';
import { PodNetworkPolicy } from './pod-network-policy';

/** Where the Job mounts the NFS export inside its container. */
const EXPORT_MOUNT_PATH = '/export';

/**
 * The Job's whole program. It is a constant: every input reaches it as an environment variable and
 * is only ever expanded inside double quotes, so no config value becomes shell syntax. Running it
 * twice is safe: `mkdir -p` accepts an existing directory, and chown runs only when the owner differs.
 * An export that squashes root (the NFS default) refuses root's mkdir and chown; the Job then says so
 * in one line with the fix, instead of the shell's bare "Operation not permitted".
 */
export const PREPARE_DIRECTORY_SCRIPT = [
  'set -eu',
  'squashed() {',
  '  echo "$1 (${2##*: }): the Job runs as root, and the NFS export must let root do that: export it with no_root_squash' +
    ' (its line in /etc/exports on the NFS server, then exportfs -r)" >&2',
  '  exit 1',
  '}',
  'if [ -L "$DATA_DIR" ]; then echo "refusing to prepare $DATA_DIR: it is a symbolic link" >&2; exit 1; fi',
  'if ! error=$(mkdir -p -- "$DATA_DIR" 2>&1); then squashed "cannot create $DATA_DIR" "$error"; fi',
  'current_owner=$(stat -c %u:%g -- "$DATA_DIR")',
  'if [ "$current_owner" = "$OWNER_UID:$OWNER_GID" ]; then',
  '  echo "$DATA_DIR is owned by $current_owner already; nothing to change"',
  'else',
  '  if ! error=$(chown -- "$OWNER_UID:$OWNER_GID" "$DATA_DIR" 2>&1); then',
  '    squashed "cannot give $DATA_DIR to $OWNER_UID:$OWNER_GID" "$error"',
  '  fi',
  '  echo "$DATA_DIR owner changed from $current_owner to $OWNER_UID:$OWNER_GID"',
  'fi',
].join('\n');

/** Properties of {@link NfsDirectoryJob}. */
export interface NfsDirectoryJobProps {
  /** NFS server address. @default none, required */
  readonly server: string;
  /** Exported directory to mount; must contain dataPath. @default none, required */
  readonly exportRoot: string;
  /** Directory to create and chown, as a path on the NFS server. @default none, required */
  readonly dataPath: string;
  /** Owner uid to give the directory. @default none, required */
  readonly uid: number;
  /** Owner gid to give the directory. @default none, required */
  readonly gid: number;
  /** Image with a POSIX sh, mkdir, stat and chown, pinned by digest. @default none, required */
  readonly image: string;
  /** Job name before the hash of its spec is appended; also the NetworkPolicy's name. @default none, required */
  readonly name: string;
  /** Namespace of the Job. @default none, required */
  readonly namespace: string;
  /** Retries before the Job fails. @default none, required */
  readonly backoffLimit: number;
  /** How long a finished Job is kept before Kubernetes deletes it. @default none, required */
  readonly ttlAfterFinished: Duration;
  /** How long a Job may run before it is stopped (an unreachable NFS server). @default none, required */
  readonly activeDeadline: Duration;
  /** Labels of the Job, its pods and its NetworkPolicy. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
  /** Annotations of the Job and its NetworkPolicy, such as an Argo CD sync wave. @default {} */
  readonly annotations?: Readonly<Record<string, string>>;
}

/**
 * A Job that creates a data directory on an NFS export and gives it to the uid:gid a workload runs
 * as. It replaces the book's nfs-exporter.sh and `chown 1000:1000`.
 *
 * It runs as root because only root may chown, but with every capability dropped except CHOWN, no
 * privilege escalation and a read-only root filesystem. The export needs `no_root_squash`.
 */
export class NfsDirectoryJob extends Construct {
  /** The Job. */
  public readonly job: KubeJob;
  /** The Job's name: the name prop, a dash and a hash of the Job's spec. */
  public readonly jobName: string;

  constructor(scope: Construct, id: string, props: NfsDirectoryJobProps) {
    super(scope, id);
    validateProps(props);
    const { name, namespace } = props;
    const podLabels = { ...props.labels, 'app.kubernetes.io/component': 'nfs-directory-prep' };
    const spec = jobSpec(props, podLabels);
    this.jobName = `${name}-${contentHash(spec)}`;
    this.job = new KubeJob(this, 'Job', {
      metadata: { name: this.jobName, namespace, labels: { ...props.labels }, annotations: { ...props.annotations } },
      spec,
    });
    // The Job serves nothing and calls nothing (the kubelet mounts the export): no traffic at all.
    new PodNetworkPolicy(this, 'Policy', { egress: false, name, namespace, podLabels, labels: props.labels, annotations: props.annotations });
  }
}

function jobSpec(inputs: NfsDirectoryJobProps, podLabels: Record<string, string>): JobSpec {
  return {
    backoffLimit: inputs.backoffLimit,
    ttlSecondsAfterFinished: inputs.ttlAfterFinished.toSeconds(),
    activeDeadlineSeconds: inputs.activeDeadline.toSeconds(),
    template: {
      metadata: { labels: podLabels },
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
          image: inputs.image,
          // Pinned by digest, so pulling always costs a manifest request and checks the pull secret.
          imagePullPolicy: 'Always',
          command: ['/bin/sh', '-c', PREPARE_DIRECTORY_SCRIPT],
          env: [
            { name: 'DATA_DIR', value: mountedDataDir(inputs.exportRoot, inputs.dataPath) },
            { name: 'OWNER_UID', value: String(inputs.uid) },
            { name: 'OWNER_GID', value: String(inputs.gid) },
          ],
          securityContext: {
            allowPrivilegeEscalation: false,
            privileged: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'], add: ['CHOWN'] },
          },
          resources: {
            requests: { 'cpu': Quantity.fromString('10m'), 'memory': Quantity.fromString('16Mi'), 'ephemeral-storage': Quantity.fromString('8Mi') },
            limits: { 'cpu': Quantity.fromString('100m'), 'memory': Quantity.fromString('32Mi'), 'ephemeral-storage': Quantity.fromString('32Mi') },
          },
          volumeMounts: [{ name: 'nfs-export', mountPath: EXPORT_MOUNT_PATH }],
        }],
        volumes: [{ name: 'nfs-export', nfs: { server: inputs.server, path: inputs.exportRoot } }],
      },
    },
  };
}

/**
 * A Job's spec cannot change once created, so the name carries a hash of it, as Kustomize's generators
 * do for ConfigMaps: any change (uid, gid, image, NFS server, paths) gives a new Job that runs again,
 * and an unchanged config gives the same name, which `kubectl apply` leaves alone.
 */
function contentHash(spec: JobSpec): string {
  return createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, JOB_NAME_HASH_LENGTH);
}
/** The data directory as the container sees it: the export is mounted at EXPORT_MOUNT_PATH. */
export function mountedDataDir(exportRoot: string, dataPath: string): string {
  const relative = exportRoot === '/' ? dataPath : dataPath.slice(exportRoot.length);
  return EXPORT_MOUNT_PATH + relative;
}

function validateProps(props: NfsDirectoryJobProps): void {
  if (!isNfsHost(props.server)) {
    throw new Error(`NfsDirectoryJob: server "${props.server}" is invalid; set it to an IPv4 address or a DNS-1123 host name`);
  }
  if (!isBelow(props.dataPath, props.exportRoot)) {
    const problem = `dataPath "${props.dataPath}" is not below exportRoot "${props.exportRoot}"`;
    throw new Error(`NfsDirectoryJob: ${problem}; set exportRoot to a directory that contains it`);
  }
  if (!isPinnedImage(props.image)) {
    throw new Error(`NfsDirectoryJob: image "${props.image}" is not pinned; append @sha256:<digest>`);
  }
  if (!isHashedNameBase(props.name)) {
    throw new Error(`NfsDirectoryJob: name "${props.name}" is invalid; use a DNS-1123 label short enough to take a hash suffix`);
  }
  for (const [field, id] of [['uid', props.uid], ['gid', props.gid]] as const) {
    if (!isNonRootId(id)) throw new Error(`NfsDirectoryJob: ${field} ${id} is invalid; set it to the non-root ${field} Prometheus runs as`);
  }
}
