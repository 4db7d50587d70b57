import { Manifest, objectKey } from '../lib/manifests/manifest';
import { readManifestFolder } from '../lib/manifests/folder';
import { SYNC_WAVE_ANNOTATION } from '../lib/manifests/metadata';
import { Checks, expectExit, expectLine, expectSuccess, preflight } from './check';
import { claimBound, deploymentAvailable, getJson, jobComplete, nodeExporterOn, noPendingPods, serverPods, waitFor } from './converge';
import { LocalCluster } from './local-cluster';
import { SimulatedNode } from './simulated-nodes';

/** What an install of one folder consists of, read from its manifests. */
export interface Install {
  /** The folder. */
  readonly folder: string;
  /** Its objects, in file order. */
  readonly manifests: readonly Manifest[];
  /** Namespace of the claim and the workloads. */
  readonly namespace: string;
  /** Names of the objects the checks look at. */
  readonly claim: string;
  readonly job: string;
  readonly deployments: readonly string[];
  /** The LoadBalancer Service (the server's, which MetalLB gives its address); "" when the folder has none. */
  readonly loadBalancerService: string;
  /** node-exporter's pods, by its DaemonSet's selector (the charts label them differently). */
  readonly nodeExporterSelector?: string;
}

/** The install in a folder. */
export function readInstall(folder: string): Install {
  const manifests = readManifestFolder(folder);
  const named = (kind: string) => manifests.filter((m) => m.kind === kind).map((m) => m.metadata.name);
  const claim = manifests.find((m) => m.kind === 'PersistentVolumeClaim');
  return {
    folder,
    manifests,
    namespace: claim?.metadata.namespace ?? 'default',
    claim: claim?.metadata.name ?? '',
    job: named('Job')[0] ?? '',
    deployments: named('Deployment'),
    loadBalancerService: manifests.find((m) => m.kind === 'Service' && m.spec?.type === 'LoadBalancer')?.metadata.name ?? '',
    nodeExporterSelector: selectorOf(manifests.find((m) => m.kind === 'DaemonSet')),
  };
}

/** A workload's selector as kubectl's `-l` takes it, "key=value,key=value". */
export function selectorOf(workload: Manifest | undefined): string | undefined {
  const labels = (workload?.spec as { selector?: { matchLabels?: Record<string, string> } } | undefined)?.selector?.matchLabels;
  return labels ? Object.entries(labels).map(([key, value]) => `${key}=${value}`).join(',') : undefined;
}

/** "", false, 0, [] and {}: the API server omits such fields (omitempty), which means the same. */
function isZeroValue(value: unknown): boolean {
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object' && value !== null) return Object.keys(value).length === 0;
  return value === '' || value === false || value === 0;
}

/** Paths where `actual` lacks or differs from what `expected` says; the server may add fields. */
function differences(expected: unknown, actual: unknown, at: string): string[] {
  if (actual === undefined && isZeroValue(expected)) return [];
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return [`${at}: ${JSON.stringify(actual)} (expected ${expected.length} items)`];
    return expected.flatMap((item, index) => differences(item, actual[index], `${at}[${index}]`));
  }
  if (typeof expected === 'object' && expected !== null) {
    if (typeof actual !== 'object' || actual === null) return [`${at}: missing`];
    return Object.entries(expected).flatMap(([field, value]) => differences(value, (actual as Record<string, unknown>)[field], `${at}.${field}`));
  }
  return expected === actual ? [] : [`${at}: ${JSON.stringify(actual)} (expected ${JSON.stringify(expected)})`];
}

/** Fails naming each field of the folder's objects that the server stores otherwise (or not at all). */
export function storedAsWritten(cluster: LocalCluster, install: Install): void {
  const list = JSON.parse(expectSuccess(cluster.kubectl(['get', '-f', install.folder, '-o', 'json']), 'get')) as { items: Manifest[] };
  const stored = new Map(list.items.map((item) => [objectKey(item), item]));
  const problems = install.manifests.flatMap((object) => {
    const item = stored.get(objectKey(object));
    return item ? differences(object, item, objectKey(object)) : [`${objectKey(object)}: not stored`];
  });
  if (problems.length > 0) throw new Error(problems.join('\n'));
}

/** The converged state, each fact its own check. */
export function convergedSteps(checks: Checks, cluster: LocalCluster, install: Install, nodes: readonly SimulatedNode[]): void {
  const { kubectl } = cluster;
  checks.step(`the claim ${install.claim} is Bound to its volume`, () => waitFor('claim Bound', claimBound(kubectl, install.namespace, install.claim)));
  checks.step(`the prep Job ${install.job} is Complete`, () => waitFor('Job Complete', jobComplete(kubectl, install.namespace, install.job)));
  checks.step(`node-exporter runs on all ${nodes.length} nodes, the tainted control plane included`, () =>
    waitFor('node-exporter everywhere', nodeExporterOn(kubectl, install.namespace, nodes.map((node) => node.name), install.nodeExporterSelector)));
  checks.step(`the Deployments ${install.deployments.join(' and ')} are Available`, () => {
    for (const deployment of install.deployments) waitFor(`${deployment} Available`, deploymentAvailable(kubectl, install.namespace, deployment));
  });
  checks.step('no pod is Pending: every request fits the book\'s nodes', () => waitFor('no Pending pod', noPendingPods(kubectl, install.namespace)));
}

/** A config change converges: the new Job completes and the server rolls to the new uid. */
export function changeConvergedStep(checks: Checks, cluster: LocalCluster, changed: Install, uid: number): void {
  checks.step(`the changed config converges: Job ${changed.job} Complete, the server rolled to uid ${uid}`, () => {
    waitFor('new Job Complete', jobComplete(cluster.kubectl, changed.namespace, changed.job));
    for (const deployment of changed.deployments) {
      waitFor(`${deployment} rolled`, deploymentAvailable(cluster.kubectl, changed.namespace, deployment));
    }
    waitFor(`server pods as uid ${uid}`, () => {
      const pods = serverPods(cluster.kubectl, changed.namespace);
      return pods.length > 0 && pods.every((pod) => pod.runAsUser === uid) ? undefined : `server pods run as ${pods.map((p) => p.runAsUser)}`;
    });
  });
}

/** `kubectl delete -f`, and every object gone, the volume included (Retain keeps the NFS data, not the object). */
export function uninstallStep(checks: Checks, cluster: LocalCluster, install: Install): void {
  checks.step(`kubectl delete -f removes every object, the claim and the volume included`, () => {
    expectSuccess(cluster.kubectl(['delete', '-f', install.folder, '--timeout=90s']), 'uninstall');
    const left = cluster.kubectl(['get', '-f', install.folder, '-o', 'name']);
    if (left.stdout.trim() !== '') throw new Error(`still there after uninstall:\n${left.stdout}`);
  });
}

/**
 * The book's reinstall that used to hang: the claim deleted, the volume kept. The volume is Released
 * and remembers the dead claim; preflight names the one command that frees it, and then apply binds.
 */
export function releasedVolumeStep(checks: Checks, cluster: LocalCluster, install: Install, environment: string, outdir: string): void {
  checks.step('a volume left Released by a deleted claim: preflight names the command that frees it, and the claim binds again', () => {
    const chart = install.manifests.filter((m) => m.metadata.annotations?.[SYNC_WAVE_ANNOTATION] === undefined);
    const chartList = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: chart });
    expectSuccess(cluster.kubectl(['delete', '-f', '-', '--timeout=90s'], chartList), 'delete chart');
    expectSuccess(cluster.kubectl(['-n', install.namespace, 'delete', 'pvc', install.claim, '--timeout=90s']), 'delete claim');
    const volume = install.manifests.find((m) => m.kind === 'PersistentVolume')?.metadata.name ?? '';
    waitFor('volume Released', () => {
      const phase = getJson<{ status?: { phase?: string } }>(cluster.kubectl, ['get', 'pv', volume]).status?.phase;
      return phase === 'Released' ? undefined : `volume ${volume} is ${phase}`;
    });
    const result = preflight(cluster, environment, outdir);
    expectExit(result, 1, 'preflight of a Released volume');
    const line = result.stdout.split('\n').find((text) => text.startsWith(`FAIL  PersistentVolume: PersistentVolume ${volume} is Released`)) ?? '';
    const command = /; run: (kubectl patch pv .*)$/.exec(line)?.[1];
    if (!command) throw new Error(`preflight named no command:\n${result.stdout}`);
    const patch = /^kubectl patch pv (\S+) --type json -p '(.*)'$/.exec(command);
    if (!patch) throw new Error(`unexpected command: ${command}`);
    expectSuccess(cluster.kubectl(['patch', 'pv', patch[1], '--type', 'json', '-p', patch[2]]), command);
    expectSuccess(cluster.kubectl(['apply', '-f', install.folder]), 'apply after the patch');
    waitFor('claim Bound again', claimBound(cluster.kubectl, install.namespace, install.claim));
    expectLine(preflight(cluster, environment, outdir).stdout, /^ok {4}PersistentVolume: .* exists and matches dist\//);
  });
}

/** The check can fail: node-exporter without the control-plane toleration misses m-k8s. */
export function tolerationNegativeStep(checks: Checks, cluster: LocalCluster, install: Install, nodes: readonly SimulatedNode[]): void {
  checks.step('negative: without the control-plane toleration, the node-exporter check fails with 3/4', () => {
    const daemonSet = install.manifests.find((m) => m.kind === 'DaemonSet');
    if (!daemonSet) throw new Error('no DaemonSet in the install');
    const template = (daemonSet.spec as { template: { spec: Record<string, unknown> } }).template;
    const untoleratingTemplate = { ...template, spec: { ...template.spec, tolerations: [] } };
    const untolerating = { ...daemonSet, spec: { ...(daemonSet.spec as object), template: untoleratingTemplate } };
    const deleteDaemonSet = ['delete', 'daemonset', daemonSet.metadata.name, '-n', install.namespace, '--cascade=foreground', '--timeout=90s'];
    expectSuccess(cluster.kubectl(deleteDaemonSet), 'delete DaemonSet and its pods');
    expectSuccess(cluster.kubectl(['apply', '-f', '-'], JSON.stringify(untolerating)), 'apply DaemonSet without tolerations');
    const probe = nodeExporterOn(cluster.kubectl, install.namespace, nodes.map((node) => node.name));
    const workers = nodes.filter((node) => !node.controlPlane).map((node) => node.name);
    waitFor('node-exporter on the workers', nodeExporterOn(cluster.kubectl, install.namespace, workers));
    const controlPlane = nodes.filter((node) => node.controlPlane).map((node) => node.name).join(', ');
    const expected = `node-exporter ${workers.length}/${nodes.length} (none on ${controlPlane})`;
    if (probe() !== expected) throw new Error(`the check said ${JSON.stringify(probe())}, expected ${JSON.stringify(expected)}`);
  });
}
