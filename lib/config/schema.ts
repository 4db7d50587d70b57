import * as v from 'valibot';
import {
  cpuMillis, isBelow, isCpuQuantity, isDnsLabel, isDnsSubdomain, isHashedNameBase, isIpv4Cidr, isNfsHost, isNonRootId, isPinnedImage,
  isReleaseName, isSafeAbsolutePath, isSupportedKubeVersion, MAX_HASHED_NAME_BASE_LENGTH, MAX_ID, MAX_RELEASE_NAME_LENGTH,
  MAX_KUBE_MINOR, MIN_KUBE_MINOR, parseBinaryQuantity, quantityBytes,
} from './rules';

/*
 * The one config schema and the book's values as its only defaults. An environment file and BOOK_*
 * variables override them; the loader validates the result once, before any construct is built.
 */

/** Access modes a volume Prometheus writes to can have. */
const ACCESS_MODES = ['ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'] as const;
/** An access mode of the data volume and its claim. */
export type AccessMode = typeof ACCESS_MODES[number];

/** Reclaim policies Kubernetes still supports (Recycle is deprecated). */
const RECLAIM_POLICIES = ['Retain', 'Delete'] as const;
/** What happens to the data volume when its claim is deleted. */
export type ReclaimPolicy = typeof RECLAIM_POLICIES[number];

/** Service types the chart's server Service can have. */
const SERVICE_TYPES = ['LoadBalancer', 'NodePort', 'ClusterIP'] as const;
/** The type of the prometheus-server Service. */
export type ServiceType = typeof SERVICE_TYPES[number];

const MAPPING = 'expected a mapping of settings';
const WHOLE_NUMBER = 'expected a whole number';

function text(check: (value: string) => boolean, message: string) {
  return v.pipe(v.string('expected a string'), v.check(check, message));
}

/** A whole number in a range; -0, which YAML allows, is 0. */
function wholeNumber(min: number, minMessage: string, max: number = MAX_ID) {
  return v.pipe(
    v.number(WHOLE_NUMBER), v.integer(WHOLE_NUMBER), v.minValue(min, minMessage), v.maxValue(max, `expected at most ${max}`),
    v.transform((value: number) => value + 0),
  );
}

function oneOf<const T extends readonly string[]>(options: T, why = '') {
  const listed = `${options.slice(0, -1).join(', ')} or ${options[options.length - 1]}`;
  return v.picklist(options, `expected ${listed}${why}`);
}

const dnsLabel = text(isDnsLabel, 'expected a DNS-1123 label (lower-case letters, digits and "-", at most 63 characters)');
const dnsSubdomain = text(isDnsSubdomain, 'expected a DNS-1123 name (lower-case letters, digits, "-" and ".", at most 253 characters)');
const absolutePath = text(isSafeAbsolutePath,
  'expected a normalised absolute path of letters, digits, ".", "_", "-" and "/" (no "..", no trailing "/")');
const binaryQuantity = text((value) => parseBinaryQuantity(value) !== undefined,
  'expected a whole number of Ki, Mi, Gi, Ti or Pi, such as 10Gi or 500Mi');
const unixId = v.pipe(v.number(WHOLE_NUMBER), v.check(isNonRootId, `expected a whole number from 1 to ${MAX_ID} (Prometheus runs as non-root)`));

const NfsSchema = v.strictObject({
  server: text(isNfsHost, 'expected an IPv4 address or a DNS-1123 host name'),
  exportRoot: absolutePath,
  dataPath: absolutePath,
}, MAPPING);

const StorageSchema = v.strictObject({
  volumeName: dnsSubdomain,
  claimName: dnsSubdomain,
  size: binaryQuantity,
  accessMode: oneOf(ACCESS_MODES, ' (Prometheus must write)'),
  reclaimPolicy: oneOf(RECLAIM_POLICIES, ' (Recycle is deprecated)'),
}, MAPPING);

const OwnerSchema = v.strictObject({ uid: unixId, gid: unixId }, MAPPING);

const PrepJobSchema = v.strictObject({
  name: text(isHashedNameBase, `expected a DNS-1123 label of at most ${MAX_HASHED_NAME_BASE_LENGTH} characters (a hash of the Job follows it)`),
  image: text(isPinnedImage, 'expected an image pinned by digest, name[:tag]@sha256:<64 hex>'),
  backoffLimit: wholeNumber(0, 'expected 0 or more', 20),
  ttlSecondsAfterFinished: wholeNumber(0, 'expected 0 or more'),
  activeDeadlineSeconds: wholeNumber(1, 'expected 1 or more'),
}, MAPPING);

const cpu = text(isCpuQuantity, 'expected a CPU quantity such as 250m or 1');
const memory = binaryQuantity;

/** A request above its limit; a request or limit that is itself invalid is reported on its own. */
function exceeds(request: string, limit: string, amount: (quantity: string) => number): boolean {
  return amount(request) > amount(limit);
}

const ResourcesSchema = v.pipe(
  v.strictObject({ cpuRequest: cpu, cpuLimit: cpu, memoryRequest: memory, memoryLimit: memory }, MAPPING),
  v.forward(
    v.partialCheck([['cpuRequest'], ['cpuLimit']], (r) => !exceeds(r.cpuRequest, r.cpuLimit, cpuMillis), 'expected at most cpuLimit'),
    ['cpuRequest'],
  ),
  v.forward(
    v.partialCheck([['memoryRequest'], ['memoryLimit']], (r) => !exceeds(r.memoryRequest, r.memoryLimit, quantityBytes),
      'expected at most memoryLimit'),
    ['memoryRequest'],
  ),
);

const PrometheusSchema = v.strictObject({
  releaseName: text(isReleaseName, `expected a DNS-1123 label of at most ${MAX_RELEASE_NAME_LENGTH} characters (a Helm limit)`),
  serviceType: oneOf(SERVICE_TYPES),
  loadBalancerSourceRanges: v.pipe(
    v.array(text(isIpv4Cidr, 'expected IPv4 networks such as 192.168.1.0/24, host bits zero'), 'expected a list of networks'),
    v.minLength(1, 'expected at least one network (0.0.0.0/0 admits every address)'),
  ),
  resources: ResourcesSchema,
}, MAPPING);

/** Every setting of one environment; README's config table describes each field. */
export const ConfigSchema = v.pipe(
  v.strictObject({
    namespace: dnsLabel,
    kubernetesVersion: text(isSupportedKubeVersion,
      `expected a Kubernetes minor version from "1.${MIN_KUBE_MINOR}" to "1.${MAX_KUBE_MINOR}" (the API removals this app knows), such as "1.27"`),
    nfs: NfsSchema,
    storage: StorageSchema,
    owner: OwnerSchema,
    prepJob: PrepJobSchema,
    prometheus: PrometheusSchema,
  }, MAPPING),
  v.forward(
    v.partialCheck(
      [['nfs', 'exportRoot'], ['nfs', 'dataPath']],
      // An invalid exportRoot is reported on its own; comparing against it would only add noise.
      (config) => !isSafeAbsolutePath(config.nfs.exportRoot) || isBelow(config.nfs.dataPath, config.nfs.exportRoot),
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
    // The book's lab network (Vagrant's 192.168.1.0/24): the only clients of the web UI and its API.
    loadBalancerSourceRanges: ['192.168.1.0/24'],
    // Sized for the lab's scrape load on a 1 CPU / 2560 MiB worker: README, "Sizing".
    resources: { cpuRequest: '200m', cpuLimit: '1', memoryRequest: '512Mi', memoryLimit: '1Gi' },
  },
};
