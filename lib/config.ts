import * as path from 'path';
import * as v from 'valibot';

/*
 * The one config schema. Every value has the book's setting as its default (BOOK_DEFAULTS); an
 * environment file and BOOK_* environment variables override it; the result is validated once, here,
 * before any construct is built. Constructs receive the validated values and trust them.
 */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DOTTED_QUAD = /^\d+\.\d+\.\d+\.\d+$/;
const SAFE_ABSOLUTE_PATH = /^\/[A-Za-z0-9._\/-]*$/;
const QUANTITY = /^[1-9][0-9]*(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;
const KUBE_MINOR_VERSION = /^1\.(\d+)$/;
const PINNED_IMAGE = /^[a-z0-9]([a-z0-9._\/:-]*[a-z0-9])?@sha256:[a-f0-9]{64}$/;
/** The oldest target: the rewrite rules cover the API removals from 1.22 on. */
const MIN_KUBE_MINOR = 22;
const MAX_ID = 2147483647;

function isDnsLabel(value: string): boolean {
  return value.length <= 63 && DNS1123_LABEL.test(value);
}

function isDnsSubdomain(value: string): boolean {
  return value.length <= 253 && value.split('.').every(isDnsLabel);
}

function isIpv4(value: string): boolean {
  return value.split('.').every((octet) => /^(0|[1-9][0-9]{0,2})$/.test(octet) && Number(octet) <= 255);
}

/** A dotted quad must be a valid IPv4 address; anything else must be a DNS-1123 host name. */
function isNfsHost(value: string): boolean {
  return DOTTED_QUAD.test(value) ? isIpv4(value) : isDnsSubdomain(value);
}

/** Absolute, normalised (no `.`/`..` segments, no `//`, no trailing slash) and shell-inert. */
function isSafeAbsolutePath(value: string): boolean {
  if (!SAFE_ABSOLUTE_PATH.test(value)) return false;
  if (value === '/') return true;
  return path.posix.normalize(value) === value && !value.endsWith('/');
}

function isSupportedKubeVersion(value: string): boolean {
  const match = KUBE_MINOR_VERSION.exec(value);
  return match !== null && Number(match[1]) >= MIN_KUBE_MINOR;
}

const MAPPING = 'expected a mapping of settings';
const WHOLE_NUMBER = 'expected a whole number';

function text(check: (value: string) => boolean, message: string) {
  return v.pipe(v.string('expected a string'), v.check(check, message));
}

function wholeNumber(min: number, minMessage: string, max: number = MAX_ID) {
  return v.pipe(v.number(WHOLE_NUMBER), v.integer(WHOLE_NUMBER), v.minValue(min, minMessage), v.maxValue(max, `expected at most ${max}`));
}

function isBelow(dataPath: string, exportRoot: string): boolean {
  return dataPath.startsWith(exportRoot === '/' ? '/' : `${exportRoot}/`);
}

const dnsLabel = text(isDnsLabel, 'expected a DNS-1123 label (lower-case letters, digits and "-", at most 63 characters)');
const dnsSubdomain = text(isDnsSubdomain, 'expected a DNS-1123 name (lower-case letters, digits, "-" and ".", at most 253 characters)');
const absolutePath = text(isSafeAbsolutePath, 'expected a normalised absolute path of letters, digits, ".", "_", "-" and "/" (no "..", no trailing "/")');
const quantity = text((value) => QUANTITY.test(value), 'expected a positive Kubernetes quantity such as 10Gi or 500Mi');
const unixId = wholeNumber(1, 'expected 1 or more (Prometheus runs as non-root)');

const NfsSchema = v.strictObject({
  /** NFS server address (IPv4 or host name). */
  server: text(isNfsHost, 'expected an IPv4 address or a DNS-1123 host name'),
  /** The exported directory the prep Job mounts; it must contain dataPath. */
  exportRoot: absolutePath,
  /** The directory Prometheus stores its TSDB in; the PersistentVolume points here. */
  dataPath: absolutePath,
}, MAPPING);

const StorageSchema = v.strictObject({
  /** PersistentVolume name (cluster-scoped). */
  volumeName: dnsSubdomain,
  /** PersistentVolumeClaim name; the chart's server.persistentVolume.existingClaim. */
  claimName: dnsSubdomain,
  /** Capacity of the PV and request of the PVC. */
  size: quantity,
  /** Access mode of both PV and PVC. */
  accessMode: v.picklist(['ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'], 'expected ReadWriteMany, ReadWriteOnce or ReadWriteOncePod (Prometheus must write)'),
  /** What happens to the data when the claim is deleted. */
  reclaimPolicy: v.picklist(['Retain', 'Delete'], 'expected Retain or Delete (Recycle is deprecated)'),
}, MAPPING);

const OwnerSchema = v.strictObject({
  /** Owner uid of the data directory, and the uid Prometheus runs as. */
  uid: unixId,
  /** Owner gid of the data directory, and the gid Prometheus runs as. */
  gid: unixId,
}, MAPPING);

const PrepJobSchema = v.strictObject({
  /** Job name; also the pods' job-name label, so a DNS-1123 label. */
  name: dnsLabel,
  /** Container image, pinned by digest. */
  image: text((value) => PINNED_IMAGE.test(value), 'expected an image pinned by digest, name[:tag]@sha256:<64 hex>'),
  /** Retries before the Job is marked failed. */
  backoffLimit: wholeNumber(0, 'expected 0 or more', 20),
  /** Seconds a finished Job is kept before Kubernetes deletes it. */
  ttlSecondsAfterFinished: wholeNumber(0, 'expected 0 or more'),
  /** Seconds before a hanging Job (for example an unreachable NFS server) is stopped. */
  activeDeadlineSeconds: wholeNumber(1, 'expected 1 or more'),
}, MAPPING);

const PrometheusSchema = v.strictObject({
  /** Helm release name (prefix of every chart object). */
  releaseName: v.pipe(dnsLabel, v.maxLength(53, 'expected at most 53 characters (a Helm limit)')),
  /** Type of the prometheus-server Service. */
  serviceType: v.picklist(['LoadBalancer', 'NodePort', 'ClusterIP'], 'expected LoadBalancer, NodePort or ClusterIP'),
}, MAPPING);

export const ConfigSchema = v.pipe(
  v.strictObject({
    /** Namespace of every namespaced object. */
    namespace: dnsLabel,
    /** Kubernetes minor version the output targets, "1.N". */
    kubernetesVersion: text(isSupportedKubeVersion, `expected a Kubernetes minor version "1.N" with N >= ${MIN_KUBE_MINOR}, such as "1.27"`),
    nfs: NfsSchema,
    storage: StorageSchema,
    owner: OwnerSchema,
    prepJob: PrepJobSchema,
    prometheus: PrometheusSchema,
  }, MAPPING),
  v.forward(
    v.partialCheck(
      [['nfs', 'exportRoot'], ['nfs', 'dataPath']],
      (config) => isBelow(config.nfs.dataPath, config.nfs.exportRoot),
      (issue) => `expected a directory below nfs.exportRoot (${(issue.input as { nfs: { exportRoot: string } }).nfs.exportRoot})`,
    ),
    ['nfs', 'dataPath'],
  ),
);

/** The validated config of one environment. */
export type Config = v.InferOutput<typeof ConfigSchema>;

/** The book's values (chapter 6.2.1), plus the settings the book left implicit. */
export const BOOK_DEFAULTS: Config = {
  namespace: 'default',
  kubernetesVersion: '1.27',
  nfs: {
    server: '192.168.1.10',
    exportRoot: '/nfs_shared',
    dataPath: '/nfs_shared/prometheus/server',
  },
  storage: {
    volumeName: 'prometheus-server',
    claimName: 'prometheus-server',
    size: '10Gi',
    accessMode: 'ReadWriteMany',
    reclaimPolicy: 'Retain',
  },
  owner: { uid: 1000, gid: 1000 },
  prepJob: {
    name: 'prometheus-server-nfs-prep',
    image: 'busybox:1.36.1@sha256:73aaf090f3d85aa34ee199857f03fa3a95c8ede2ffd4cc2cdb5b94e566b11662',
    backoffLimit: 3,
    ttlSecondsAfterFinished: 86400,
    activeDeadlineSeconds: 300,
  },
  prometheus: {
    releaseName: 'prometheus',
    serviceType: 'LoadBalancer',
  },
};
