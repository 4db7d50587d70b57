import * as v from 'valibot';
import {
  ACCESS_MODES, CHART_MIN_KUBE_MINOR, cpuMillis, isBelow, isCpuQuantity, isDnsLabel, isDnsSubdomain, isHashedNameBase,
  isIpv4Cidr, isNfsHost, isNonRootId, isPinnedImage, isReleaseName, isSafeAbsolutePath, isSupportedKubeVersion,
  MAX_HASHED_NAME_BASE_LENGTH, MAX_ID, MAX_KUBE_MINOR, MAX_RELEASE_NAME_LENGTH, MIN_KUBE_MINOR, minorOf, parseBinaryQuantity, parseDuration,
  PROMETHEUS_CHARTS, PrometheusChartName, quantityBytes, RECLAIM_POLICIES, SERVICE_TYPES,
} from '../support/rules';

/*
 * The one config schema, each field described where it is defined, and the book's values as its only
 * defaults. An environment file and BOOK_* variables override them; the loader validates the result
 * once, before any construct is built. docs/config.md is generated from this file (`npm run docs`).
 */

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

/** A field's one-line description, for docs/config.md. */
function field<const T extends v.GenericSchema>(description: string, schema: T) {
  return v.pipe(schema, v.description(description));
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

const duration = text((value) => parseDuration(value) !== undefined, 'expected a whole number of s, m, h or d, such as 90s, 5m or 24h');

const NfsSchema = v.strictObject({
  server: field('NFS server address (the book\'s m-k8s)', text(isNfsHost, 'expected an IPv4 address or a DNS-1123 host name')),
  exportRoot: field('exported directory the prep Job mounts', absolutePath),
  dataPath: field('Prometheus\' data directory on the server: the volume\'s path, created and chowned by the Job', absolutePath),
}, MAPPING);

const StorageSchema = v.strictObject({
  volumeName: field('PersistentVolume name', dnsSubdomain),
  claimName: field('PersistentVolumeClaim name; the chart\'s `server.persistentVolume.existingClaim`', dnsSubdomain),
  size: field('capacity of the volume and request of the claim', binaryQuantity),
  accessMode: field('access mode of the volume and the claim', oneOf(ACCESS_MODES, ' (Prometheus must write)')),
  reclaimPolicy: field('what happens to the volume when its claim is deleted', oneOf(RECLAIM_POLICIES, ' (Recycle is deprecated)')),
}, MAPPING);

const OwnerSchema = v.strictObject({
  uid: field('owner of the data directory; Prometheus runs as this uid', unixId),
  gid: field('group of the data directory; Prometheus runs as this gid and fsGroup', unixId),
}, MAPPING);

const PrepJobSchema = v.strictObject({
  name: field('the prep Job\'s name, before "-<8 hex of its spec>"',
    text(isHashedNameBase, `expected a DNS-1123 label of at most ${MAX_HASHED_NAME_BASE_LENGTH} characters (a hash of the Job follows it)`)),
  image: field('image with sh, mkdir, stat and chown', text(isPinnedImage, 'expected an image pinned by digest, name[:tag]@sha256:<64 hex>')),
  backoffLimit: field('retries before the Job fails', wholeNumber(0, 'expected 0 or more', 20)),
  ttlAfterFinished: field('how long a finished Job is kept (the Job\'s ttlSecondsAfterFinished)', duration),
  activeDeadline: field('stops a Job hanging on an unreachable NFS server (the Job\'s activeDeadlineSeconds)', duration),
}, MAPPING);

const cpu = text(isCpuQuantity, 'expected a CPU quantity such as 250m or 1');

// A request above its limit is refused; `!(request > limit)`, so an invalid one is reported on its own.
const ResourcesSchema = v.pipe(
  v.strictObject({
    cpuRequest: field('the server container\'s CPU request', cpu),
    cpuLimit: field('the server container\'s CPU limit', cpu),
    memoryRequest: field('the server container\'s memory request (docs/sizing.md)', binaryQuantity),
    memoryLimit: field('the server container\'s memory limit', binaryQuantity),
  }, MAPPING),
  v.forward(
    v.partialCheck([['cpuRequest'], ['cpuLimit']], (r) => !(cpuMillis(r.cpuRequest) > cpuMillis(r.cpuLimit)), 'expected at most cpuLimit'),
    ['cpuRequest'],
  ),
  v.forward(
    v.partialCheck([['memoryRequest'], ['memoryLimit']], (r) => !(quantityBytes(r.memoryRequest) > quantityBytes(r.memoryLimit)),
      'expected at most memoryLimit'),
    ['memoryRequest'],
  ),
);

const PrometheusSchema = v.strictObject({
  chart: field('the chart to install: edu/prometheus (the book\'s, Prometheus v2.19) or prometheus-community/prometheus (today\'s, '
    + 'Prometheus v3.14; Kubernetes 1.25 or later; docs/upgrading.md)', oneOf(PROMETHEUS_CHARTS)),
  releaseName: field('Helm release name; prefixes the chart\'s object names',
    text(isReleaseName, `expected a DNS-1123 label of at most ${MAX_RELEASE_NAME_LENGTH} characters (a Helm limit)`)),
  serviceType: field('type of the prometheus-server Service; LoadBalancer takes an address from MetalLB', oneOf(SERVICE_TYPES)),
  loadBalancerSourceRanges: field('networks that may reach the server: the LoadBalancer\'s source ranges and its NetworkPolicy', v.pipe(
    v.array(text(isIpv4Cidr, 'expected IPv4 networks such as 192.168.1.0/24, host bits zero'), 'expected a list of networks'),
    v.minLength(1, 'expected at least one network (0.0.0.0/0 admits every address)'),
  )),
  resources: ResourcesSchema,
  nodeExporter: field('whether the install runs node-exporter; false for a second install on a cluster that runs one already '
    + '(one per node, as its host port allows; every Prometheus scrapes it)', v.boolean('expected true or false')),
}, MAPPING);

/** Every setting of one environment; docs/config.md lists each field, generated from this schema. */
export const ConfigSchema = v.pipe(
  v.strictObject({
    namespace: field('namespace of the claim, the Job and the release; created first unless "default"', dnsLabel),
    kubernetesVersion: field('the cluster\'s Kubernetes minor version: API versions and chart values render for it', text(isSupportedKubeVersion,
      `expected a Kubernetes minor version from "1.${MIN_KUBE_MINOR}" to "1.${MAX_KUBE_MINOR}" (the API removals this app knows), such as "1.27"`)),
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
  v.forward(
    v.partialCheck(
      [['kubernetesVersion'], ['prometheus', 'chart']],
      // An invalid version is reported on its own.
      (config) => !isSupportedKubeVersion(config.kubernetesVersion)
        || minorOf(config.kubernetesVersion) >= CHART_MIN_KUBE_MINOR[config.prometheus.chart],
      (issue) => {
        const chart = (issue.input as { prometheus: { chart: PrometheusChartName } }).prometheus.chart;
        return `expected "1.${CHART_MIN_KUBE_MINOR[chart]}" or later: chart ${chart} supports no older Kubernetes`;
      },
    ),
    ['kubernetesVersion'],
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
    ttlAfterFinished: '24h',
    activeDeadline: '5m',
  },
  prometheus: {
    chart: 'edu/prometheus',
    releaseName: 'prometheus',
    serviceType: 'LoadBalancer',
    // The book's lab network (Vagrant's 192.168.1.0/24): the only clients of the web UI and its API.
    loadBalancerSourceRanges: ['192.168.1.0/24'],
    // Sized for the lab's scrape load on a 1 CPU / 2560 MiB worker: docs/sizing.md.
    resources: { cpuRequest: '200m', cpuLimit: '1', memoryRequest: '512Mi', memoryLimit: '1Gi' },
    nodeExporter: true,
  },
};
