import * as path from 'path';
import { z } from 'zod';

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

const dnsLabel = z.string().refine(isDnsLabel, 'expected a DNS-1123 label (lower-case letters, digits and "-", at most 63 characters)');
const dnsSubdomain = z.string().refine(isDnsSubdomain, 'expected a DNS-1123 name (lower-case letters, digits, "-" and ".", at most 253 characters)');
const absolutePath = z.string().refine(isSafeAbsolutePath, 'expected a normalised absolute path of letters, digits, ".", "_", "-" and "/" (no "..", no trailing "/")');
const quantity = z.string().refine((value) => QUANTITY.test(value), 'expected a positive Kubernetes quantity such as 10Gi or 500Mi');
const unixId = z.number().int('expected a whole number').min(1, 'expected 1 or more (Prometheus runs as non-root)').max(MAX_ID, `expected at most ${MAX_ID}`);

const NfsSchema = z.strictObject({
  /** NFS server address (IPv4 or host name). */
  server: z.string().refine(isNfsHost, 'expected an IPv4 address or a DNS-1123 host name'),
  /** The exported directory the prep Job mounts; it must contain dataPath. */
  exportRoot: absolutePath,
  /** The directory Prometheus stores its TSDB in; the PersistentVolume points here. */
  dataPath: absolutePath,
});

const StorageSchema = z.strictObject({
  /** PersistentVolume name (cluster-scoped). */
  volumeName: dnsSubdomain,
  /** PersistentVolumeClaim name; the chart's server.persistentVolume.existingClaim. */
  claimName: dnsSubdomain,
  /** Capacity of the PV and request of the PVC. */
  size: quantity,
  /** Access mode of both PV and PVC. */
  accessMode: z.enum(['ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'], {
    error: 'expected ReadWriteMany, ReadWriteOnce or ReadWriteOncePod (Prometheus must write)',
  }),
  /** What happens to the data when the claim is deleted. */
  reclaimPolicy: z.enum(['Retain', 'Delete'], { error: 'expected Retain or Delete (Recycle is deprecated)' }),
});

const OwnerSchema = z.strictObject({
  /** Owner uid of the data directory, and the uid Prometheus runs as. */
  uid: unixId,
  /** Owner gid of the data directory, and the gid Prometheus runs as. */
  gid: unixId,
});

const PrepJobSchema = z.strictObject({
  /** Job name; also the pods' job-name label, so a DNS-1123 label. */
  name: dnsLabel,
  /** Container image, pinned by digest. */
  image: z.string().refine((value) => PINNED_IMAGE.test(value), 'expected an image pinned by digest, name[:tag]@sha256:<64 hex>'),
  /** Retries before the Job is marked failed. */
  backoffLimit: z.number().int('expected a whole number').min(0, 'expected 0 or more').max(20, 'expected at most 20'),
  /** Seconds a finished Job is kept before Kubernetes deletes it. */
  ttlSecondsAfterFinished: z.number().int('expected a whole number').min(0, 'expected 0 or more'),
  /** Seconds before a hanging Job (for example an unreachable NFS server) is stopped. */
  activeDeadlineSeconds: z.number().int('expected a whole number').min(1, 'expected 1 or more'),
});

const PrometheusSchema = z.strictObject({
  /** Helm release name (prefix of every chart object). */
  releaseName: dnsLabel.refine((value) => value.length <= 53, 'expected at most 53 characters (a Helm limit)'),
  /** Type of the prometheus-server Service. */
  serviceType: z.enum(['LoadBalancer', 'NodePort', 'ClusterIP'], { error: 'expected LoadBalancer, NodePort or ClusterIP' }),
});

export const ConfigSchema = z.strictObject({
  /** Namespace of every namespaced object. */
  namespace: dnsLabel,
  /** Kubernetes minor version the output targets, "1.N". */
  kubernetesVersion: z.string().refine(isSupportedKubeVersion, `expected a Kubernetes minor version "1.N" with N >= ${MIN_KUBE_MINOR}, such as "1.27"`),
  nfs: NfsSchema,
  storage: StorageSchema,
  owner: OwnerSchema,
  prepJob: PrepJobSchema,
  prometheus: PrometheusSchema,
}).superRefine((config, ctx) => {
  const { exportRoot, dataPath } = config.nfs;
  const prefix = exportRoot === '/' ? '/' : `${exportRoot}/`;
  if (!dataPath.startsWith(prefix)) {
    ctx.addIssue({
      code: 'custom',
      path: ['nfs', 'dataPath'],
      input: dataPath,
      message: `expected a directory below nfs.exportRoot (${exportRoot})`,
    });
  }
});

/** The validated config of one environment. */
export type Config = z.infer<typeof ConfigSchema>;

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
