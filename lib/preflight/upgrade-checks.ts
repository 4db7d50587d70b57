import { Manifest, ManifestList, objectKey } from '../manifests/manifest';
import { findPrometheusServer, prometheusVersionOf } from '../prometheus/server';
import { cannotAsk, CheckResult } from './check-result';
import { Kubectl } from './kubectl';

/*
 * A release already running from another chart: the book's install (edu/prometheus, Prometheus 2.19)
 * switched to today's chart, say. `kubectl apply` cannot change a workload's selector (immutable) and
 * never deletes what the folder no longer has: today's chart renames node-exporter's DaemonSet, whose
 * new pods would wait for host port 9100 while the old one lives. This check names each such object and
 * prints the steps that work, in order: the server first and waited for (never two servers on one data
 * directory), then the rest, then the apply. The claim and the volume are never deleted.
 */

/** Labels by which the two charts mark a release's objects: the book's chart and its subchart, and today's. */
const RELEASE_LABELS = ['release', 'app.kubernetes.io/instance'] as const;
/**
 * Only namespaced kinds: a ClusterRole carries the same release label whichever namespace installed it, so
 * it could be another install's; both charts name theirs alike, and apply changes them in place.
 */
const NAMESPACED_KINDS = 'deployments,daemonsets,statefulsets,services,serviceaccounts,configmaps';
const WORKLOAD_KINDS = new Set(['Deployment', 'DaemonSet', 'StatefulSet']);
/** Prometheus v3 writes a data directory only v2.55 and later read back (Prometheus' v3 migration guide). */
const OLDEST_READER_OF_V3_DATA: readonly [number, number] = [2, 55];
const NAME = 'upgrade';

/** The release's live objects against the folder: what apply cannot change or leaves behind, with the steps that work. */
export function checkUpgrade(kubectl: Kubectl, manifests: readonly Manifest[], folder: string): CheckResult[] {
  const server = findPrometheusServer(manifests);
  if (!server) return [];
  const namespace = server.metadata.namespace ?? 'default';
  const release = releaseOf(server);
  if (!release) return [];
  const live = liveObjectsOf(kubectl, release, namespace);
  if ('failure' in live) return [live.failure];
  if (live.objects.length === 0) return [{ name: NAME, ok: true, detail: `no object of release ${release} in namespace ${namespace} yet` }];

  const wanted = new Map(manifests.map((manifest) => [objectKey(manifest), manifest]));
  const blocking = live.objects.filter((object) => WORKLOAD_KINDS.has(object.kind) && cannotApplyOver(object, wanted.get(objectKey(object))));
  const leftBehind = live.objects.filter((object) => !WORKLOAD_KINDS.has(object.kind) && !wanted.has(objectKey(object)));
  const liveServer = findPrometheusServer(live.objects);
  const noWayBack = liveServer ? dataDirectoryCheck(liveServer, server) : undefined;
  if (noWayBack) return [noWayBack];
  if (blocking.length === 0 && leftBehind.length === 0) {
    return [{ name: NAME, ok: true, detail: `release ${release} in namespace ${namespace}: apply can change every live object` }];
  }
  const named = [...blocking.map((object) => `${describe(object)} ${whyBlocking(object, wanted.get(objectKey(object)))}`),
    ...leftBehind.map((object) => `${describe(object)} is not in ${folder}`)];
  const detail = `release ${release} in namespace ${namespace} runs another chart: apply cannot change ${named.join('; ')}; `
    + 'run these steps in order (the claim and the volume stay, and so does the data)';
  const helmRelease = hasHelmRecord(kubectl, release, namespace);
  if (typeof helmRelease !== 'boolean') return [helmRelease];
  const steps = helmRelease ? helmSteps(release, namespace, folder) : upgradeSteps(blocking, leftBehind, folder, liveServer);
  return [{ name: NAME, ok: false, detail, steps }];
}

/** The Helm release an object belongs to, by either chart's label. */
export function releaseOf(manifest: Manifest): string | undefined {
  const labels = manifest.metadata.labels ?? {};
  return RELEASE_LABELS.map((label) => labels[label]).find((value) => value !== undefined);
}

/** Every live object of the namespace carrying either chart's release label, each once. */
function liveObjectsOf(kubectl: Kubectl, release: string, namespace: string): { objects: Manifest[] } | { failure: CheckResult } {
  const found = new Map<string, Manifest>();
  for (const label of RELEASE_LABELS) {
    const result = kubectl.run(['get', NAMESPACED_KINDS, '--namespace', namespace, '--selector', `${label}=${release}`, '-o', 'json']);
    if (result.status !== 0) return { failure: cannotAsk(NAME, `the objects of release ${release}`, result.stderr) };
    for (const object of (JSON.parse(result.stdout) as ManifestList).items) found.set(objectKey(object), object);
  }
  return { objects: [...found.values()] };
}

/** A live workload apply cannot turn into the wanted one: gone from the folder, or with another (immutable) selector. */
function cannotApplyOver(live: Manifest, wanted: Manifest | undefined): boolean {
  return wanted === undefined || JSON.stringify(selector(live)) !== JSON.stringify(selector(wanted));
}

function whyBlocking(live: Manifest, wanted: Manifest | undefined): string {
  if (wanted === undefined) return 'is not in the folder (today\'s chart names it otherwise)';
  return `has selector ${JSON.stringify(selector(live))}, the folder's is ${JSON.stringify(selector(wanted))} (immutable)`;
}

function selector(workload: Manifest): Record<string, string> {
  const labels = workload.spec?.selector?.matchLabels ?? {};
  return Object.fromEntries(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
}

function describe(object: Manifest): string {
  return `${object.kind} ${object.metadata.name}`;
}

/**
 * The steps that work: the server's Deployment deleted and its pods waited for first (foreground
 * deletion returns once they are gone), so the new server never runs beside the old one on the same
 * data; then the other workloads, then what the folder no longer has, then the apply.
 */
function upgradeSteps(blocking: readonly Manifest[], leftBehind: readonly Manifest[], folder: string, liveServer?: Manifest): string[] {
  const workloads = [...blocking].sort((a, b) => Number(b === liveServer) - Number(a === liveServer));
  const steps = workloads.map((workload) => `kubectl delete ${workload.kind.toLowerCase()} ${workload.metadata.name} `
    + `--namespace ${workload.metadata.namespace ?? 'default'} --cascade=foreground --wait=true`);
  if (leftBehind.length > 0) {
    steps.push(`kubectl delete ${leftBehind.map(resourceName).sort().join(' ')} --namespace ${leftBehind[0].metadata.namespace}`);
  }
  steps.push(`kubectl apply -f ${folder}`);
  return steps;
}

/** True when `helm install` (as the book does) made the release: Helm keeps its record in a Secret of the namespace. */
function hasHelmRecord(kubectl: Kubectl, release: string, namespace: string): boolean | CheckResult {
  const result = kubectl.run(['get', 'secrets', '--namespace', namespace, '--selector', `owner=helm,name=${release}`, '-o', 'name']);
  if (result.status !== 0) return cannotAsk(NAME, `Helm's record of release ${release}`, result.stderr);
  return result.stdout.trim() !== '';
}

/**
 * A release `helm install` made is removed by Helm, record and all: deleting its objects by hand would leave a
 * record from which a later `helm uninstall` deletes this install's objects of the same names. Foreground,
 * waited for: helm returns once the old pods are gone. The claim and volume are not the release's.
 */
function helmSteps(release: string, namespace: string, folder: string): string[] {
  return [`helm uninstall ${release} --namespace ${namespace} --cascade=foreground --wait`, `kubectl apply -f ${folder}`];
}

/** kind/name, how `kubectl delete` takes several objects at once. */
function resourceName(object: Manifest): string {
  return `${object.kind.toLowerCase()}/${object.metadata.name}`;
}

/** Going back from a server that wrote v3 data to one older than v2.55 would lose the data: refused. */
function dataDirectoryCheck(liveServer: Manifest, server: Manifest): CheckResult | undefined {
  const running = serverVersion(liveServer);
  const wanted = serverVersion(server);
  if (!running || !wanted || running[0] < 3 || !olderThan(wanted, OLDEST_READER_OF_V3_DATA)) return undefined;
  const versions = `the running server is Prometheus ${running.join('.')}, the folder's ${wanted.join('.')}`;
  const why = `a data directory Prometheus 3 has written opens only in 2.${OLDEST_READER_OF_V3_DATA[1]} or later`;
  return { name: NAME, ok: false, detail: `${versions}: ${why}; keep today's chart, or start the old one on a new, empty volume` };
}

function serverVersion(server: Manifest): number[] | undefined {
  return prometheusVersionOf(server)?.slice(1).split('.').map(Number);
}

function olderThan(version: readonly number[], than: readonly [number, number]): boolean {
  return version[0] < than[0] || (version[0] === than[0] && version[1] < than[1]);
}
