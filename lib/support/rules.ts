import * as path from 'path';

/*
 * Each rule the config and the constructs share, written once: the schema validates config with
 * them, and the constructs check their props with them. Plain data and functions.
 */

/** Access modes a volume Prometheus writes to can have. */
export const ACCESS_MODES = ['ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'] as const;
/** An access mode of a volume and its claim. */
export type AccessMode = typeof ACCESS_MODES[number];

/** Reclaim policies Kubernetes still supports (Recycle is deprecated). */
export const RECLAIM_POLICIES = ['Retain', 'Delete'] as const;
/** What happens to a volume when its claim is deleted. */
export type ReclaimPolicy = typeof RECLAIM_POLICIES[number];

/** Service types a chart's Service can have. */
export const SERVICE_TYPES = ['LoadBalancer', 'NodePort', 'ClusterIP'] as const;
/** The type of a Service. */
export type ServiceType = typeof SERVICE_TYPES[number];

/**
 * The Prometheus charts an environment can install, as charts.lock.yaml names them: the book's
 * (Prometheus v2.19.0, 2020) and today's maintained one (Prometheus v3.14.0).
 */
export const PROMETHEUS_CHARTS = ['edu/prometheus', 'prometheus-community/prometheus'] as const;
/** One of {@link PROMETHEUS_CHARTS}. */
export type PrometheusChartName = typeof PROMETHEUS_CHARTS[number];

/** The Prometheus server's image in either chart (prom/ in the book's, quay.io/prometheus/ in today's); group 1 is the release, "v2.19.0". */
export const PROMETHEUS_SERVER_IMAGE = /^(?:prom|quay\.io\/prometheus)\/prometheus:(v\d+\.\d+\.\d+)(?:@sha256:[a-f0-9]{64})?$/;

/** The unprivileged user and group `nobody` of Linux distributions, for processes that need no identity. */
export const NOBODY = 65534;

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DOTTED_QUAD = /^\d+\.\d+\.\d+\.\d+$/;
const DECIMAL_OCTET = /^(0|[1-9][0-9]{0,2})$/;
const NUMERIC_LABEL = /^(0x[0-9a-f]*|[0-9]+)$/;
const SAFE_ABSOLUTE_PATH = /^\/[A-Za-z0-9._/-]*$/;
const BINARY_QUANTITY = /^([1-9][0-9]{0,8})(Ki|Mi|Gi|Ti|Pi)$/;
const KUBE_MINOR_VERSION = /^1\.(\d{1,3})$/;
const PINNED_IMAGE = /^[a-z0-9]([a-z0-9._/:-]*[a-z0-9])?@sha256:[a-f0-9]{64}$/;

/** The oldest target: the API-version rules cover the removals from 1.22 on. */
export const MIN_KUBE_MINOR = 22;
/** The oldest Kubernetes minor each chart supports: today's subcharts declare kubeVersion >=1.25.0-0 (their Chart.yaml). */
export const CHART_MIN_KUBE_MINOR: Readonly<Record<PrometheusChartName, number>> = {
  'edu/prometheus': MIN_KUBE_MINOR,
  'prometheus-community/prometheus': 25,
};
/**
 * The newest target: the API-version rules know the removals up to 1.37, and the e2e proves 1.37 on a
 * real control plane; a later release may remove more, so it is refused until both are done for it.
 */
export const MAX_KUBE_MINOR = 37;
/** Helm refuses longer release names: it appends suffixes and stays within 63 characters. */
export const MAX_RELEASE_NAME_LENGTH = 53;
/** Hex digits of the content hash a Job's name ends with. */
export const JOB_NAME_HASH_LENGTH = 8;
/** The longest name that still takes "-<hash>" within the 63 characters of a label value (job-name). */
export const MAX_HASHED_NAME_BASE_LENGTH = 63 - 1 - JOB_NAME_HASH_LENGTH;
/** The largest uid or gid Kubernetes accepts in a securityContext. */
export const MAX_ID = 2147483647;

/** A DNS-1123 label: namespaces, Job names, environment names. */
export function isDnsLabel(value: string): boolean {
  return value.length <= 63 && DNS1123_LABEL.test(value);
}

/** A DNS-1123 subdomain: PersistentVolume and claim names, host names. */
export function isDnsSubdomain(value: string): boolean {
  return value.length <= 253 && value.split('.').every(isDnsLabel);
}

/** A name this app appends a content hash to: a DNS-1123 label with room for the suffix. */
export function isHashedNameBase(value: string): boolean {
  return isDnsLabel(value) && value.length <= MAX_HASHED_NAME_BASE_LENGTH;
}

/** A Helm release name: a DNS-1123 label Helm can still add suffixes to. */
export function isReleaseName(value: string): boolean {
  return isDnsLabel(value) && value.length <= MAX_RELEASE_NAME_LENGTH;
}

/**
 * A dotted quad of four decimal octets, or a DNS-1123 host name. A name whose labels are all numbers
 * (decimal, octal or hex) is neither: an NFS client reads "10.1.1", "0x7f.1" or "2130706433" as some
 * other IPv4 address.
 */
export function isNfsHost(value: string): boolean {
  if (DOTTED_QUAD.test(value)) return isIpv4Address(value);
  return isDnsSubdomain(value) && !value.split('.').every((label) => NUMERIC_LABEL.test(label));
}

/** Four decimal octets, each 0 to 255, without leading zeros (which some readers take as octal). */
function isIpv4Address(value: string): boolean {
  return DOTTED_QUAD.test(value) && value.split('.').every((octet) => DECIMAL_OCTET.test(octet) && Number(octet) <= 255);
}

/** Absolute, normalised (no `.`/`..` segments, no `//`, no trailing slash) and shell-inert. */
export function isSafeAbsolutePath(value: string): boolean {
  if (!SAFE_ABSOLUTE_PATH.test(value)) return false;
  if (value === '/') return true;
  return path.posix.normalize(value) === value && !value.endsWith('/');
}

/** True when `dataPath` lies strictly inside `exportRoot`. */
export function isBelow(dataPath: string, exportRoot: string): boolean {
  return dataPath.startsWith(exportRoot === '/' ? '/' : `${exportRoot}/`);
}

/** An image reference that names its content: name[:tag]@sha256:<64 hex>. */
export function isPinnedImage(value: string): boolean {
  return PINNED_IMAGE.test(value);
}

/** A uid or gid other than root's: the chart runs Prometheus with runAsNonRoot. */
export function isNonRootId(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= MAX_ID;
}

/** "1.N" with N from MIN_KUBE_MINOR to MAX_KUBE_MINOR. */
export function isSupportedKubeVersion(value: string): boolean {
  const match = KUBE_MINOR_VERSION.exec(value);
  return match !== null && Number(match[1]) >= MIN_KUBE_MINOR && Number(match[1]) <= MAX_KUBE_MINOR;
}

/** "1.27" -> 27. */
export function minorOf(kubernetesVersion: string): number {
  return Number(kubernetesVersion.split('.')[1]);
}

/** A CPU quantity: whole millicores ("250m") or cores with at most three decimals ("1", "0.5"). */
export function isCpuQuantity(value: string): boolean {
  return /^[1-9][0-9]{0,5}m$/.test(value) || (/^[0-9]{1,3}(\.[0-9]{1,3})?$/.test(value) && Number(value) > 0);
}

/** Millicores of a CPU quantity that {@link isCpuQuantity} accepts. */
export function cpuMillis(value: string): number {
  return value.endsWith('m') ? Number(value.slice(0, -1)) : Math.round(Number(value) * 1000);
}

/** Bytes of a quantity that {@link parseBinaryQuantity} accepts. */
export function quantityBytes(value: string): number {
  const parsed = parseBinaryQuantity(value);
  const power = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5 }[parsed?.unit ?? 'Ki'];
  return (parsed?.amount ?? NaN) * 1024 ** power;
}

/** An IPv4 network in CIDR notation whose host bits are zero, as Kubernetes wants source ranges. */
export function isIpv4Cidr(value: string): boolean {
  const match = /^(\d+\.\d+\.\d+\.\d+)\/(\d{1,2})$/.exec(value);
  if (!match || !isIpv4Address(match[1]) || Number(match[2]) > 32) return false;
  const address = match[1].split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0);
  const hostBits = 32 - Number(match[2]);
  return address % 2 ** hostBits === 0;
}

/** A storage size in whole binary units, the units cdk8s's Size has: 10Gi, 500Mi. */
export interface BinaryQuantity {
  /** The whole number of units. */
  readonly amount: number;
  /** The unit suffix. */
  readonly unit: 'Ki' | 'Mi' | 'Gi' | 'Ti' | 'Pi';
}

/** The amount and unit of "10Gi", or undefined for anything else. */
export function parseBinaryQuantity(value: string): BinaryQuantity | undefined {
  const match = BINARY_QUANTITY.exec(value);
  return match ? { amount: Number(match[1]), unit: match[2] as BinaryQuantity['unit'] } : undefined;
}

const DURATION = /^([1-9][0-9]{0,6}|0)(s|m|h|d)$/;

/** A duration in whole seconds, minutes, hours or days, as config writes it: 90s, 5m, 24h, 1d. */
export interface WholeDuration {
  /** The whole number of units. */
  readonly amount: number;
  /** The unit suffix. */
  readonly unit: 's' | 'm' | 'h' | 'd';
}

/** The amount and unit of "24h", or undefined for anything else. */
export function parseDuration(value: string): WholeDuration | undefined {
  const match = DURATION.exec(value);
  return match ? { amount: Number(match[1]), unit: match[2] as WholeDuration['unit'] } : undefined;
}
