import { Manifest } from '../lib/manifests/manifest';
import { sleepSync } from './processes';
import { CommandResult, expectSuccess } from './check';

/*
 * What "converged" means on the simulated lab, each as a probe that returns what is still missing (or
 * undefined once it holds), and a wait that polls a probe. Health follows Argo CD's rules: a claim is
 * healthy when Bound, a Job when Complete, a Deployment when its replicas are updated and available.
 */

type Kubectl = (args: readonly string[], input?: string) => CommandResult;
export type Probe = () => string | undefined;

const POLL_MS = 250;
const SERVER_SELECTOR = 'app=prometheus,component=server';
const NODE_EXPORTER_SELECTOR = 'app=prometheus,component=node-exporter';


/** Polls the probe until it reports nothing missing; fails with what was still missing at the deadline. */
export function waitFor(what: string, probe: Probe, timeoutMs = 180_000): void {
  const deadline = Date.now() + timeoutMs;
  let missing = probe();
  while (missing !== undefined) {
    if (Date.now() > deadline) throw new Error(`${what}: not after ${timeoutMs / 1000}s: ${missing}`);
    // The checks run kubectl synchronously; the servers they watch are other processes.
    sleepSync(POLL_MS);
    missing = probe();
  }
}

/** Parsed `kubectl get … -o json`. */
export function getJson<T>(kubectl: Kubectl, args: readonly string[]): T {
  return JSON.parse(expectSuccess(kubectl([...args, '-o', 'json']), `kubectl ${args.join(' ')}`)) as T;
}

interface Item {
  metadata: { name: string; namespace?: string; creationTimestamp?: string; ownerReferences?: Array<{ kind: string }> };
  spec?: Record<string, unknown> & { nodeName?: string; volumeName?: string; replicas?: number };
  status?: Record<string, unknown> & {
    phase?: string; conditions?: Array<{ type: string; status: string }>; completionTime?: string;
    replicas?: number; updatedReplicas?: number; availableReplicas?: number;
  };
}

/** The claim is Bound to exactly the volume it names. */
export function claimBound(kubectl: Kubectl, namespace: string, claim: string): Probe {
  return () => {
    const item = getJson<Item>(kubectl, ['-n', namespace, 'get', 'pvc', claim]);
    const volume = item.spec?.volumeName ?? '';
    if (item.status?.phase !== 'Bound') return `claim ${claim} is ${item.status?.phase}`;
    const pv = getJson<Item>(kubectl, ['get', 'pv', volume]);
    return pv.status?.phase === 'Bound' ? undefined : `volume ${volume} is ${pv.status?.phase}`;
  };
}

/** The Job has the Complete condition. */
export function jobComplete(kubectl: Kubectl, namespace: string, job: string): Probe {
  return () => {
    const item = getJson<Item>(kubectl, ['-n', namespace, 'get', 'job', job]);
    return item.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True') ? undefined : `job ${job} is not Complete`;
  };
}

/** Every replica of the Deployment is updated and available. */
export function deploymentAvailable(kubectl: Kubectl, namespace: string, deployment: string): Probe {
  return () => {
    const item = getJson<Item & { metadata: { generation?: number }; status?: { observedGeneration?: number } }>(
      kubectl, ['-n', namespace, 'get', 'deployment', deployment]);
    const want = item.spec?.replicas ?? 1;
    const { updatedReplicas = 0, availableReplicas = 0, observedGeneration = 0 } = item.status ?? {};
    const settled = observedGeneration >= (item.metadata.generation ?? 0) && updatedReplicas === want && availableReplicas === want;
    const available = item.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True');
    return settled && available ? undefined : `deployment ${deployment}: ${availableReplicas}/${want} available, ${updatedReplicas} updated`;
  };
}

/** A running node-exporter pod on each of the nodes. */
export function nodeExporterOn(kubectl: Kubectl, namespace: string, nodes: readonly string[], selector = NODE_EXPORTER_SELECTOR): Probe {
  return () => {
    const pods = getJson<{ items: Item[] }>(kubectl, ['-n', namespace, 'get', 'pods', '-l', selector]).items;
    const running = new Set(pods.filter((pod) => pod.status?.phase === 'Running').map((pod) => pod.spec?.nodeName));
    const missing = nodes.filter((node) => !running.has(node));
    return missing.length === 0 ? undefined : `node-exporter ${nodes.length - missing.length}/${nodes.length} (none on ${missing.join(', ')})`;
  };
}

/** No pod of the namespace is Pending: every request fits some node. */
export function noPendingPods(kubectl: Kubectl, namespace: string): Probe {
  return () => {
    const pods = getJson<{ items: Item[] }>(kubectl, ['-n', namespace, 'get', 'pods']).items;
    const pending = pods.filter((pod) => pod.status?.phase === 'Pending').map((pod) => pod.metadata.name);
    return pending.length === 0 ? undefined : `Pending: ${pending.join(', ')}`;
  };
}

/** The server pods' uid, and when the oldest of them was created. */
export function serverPods(kubectl: Kubectl, namespace: string): Array<{ createdAt: Date; runAsUser: unknown }> {
  const pods = getJson<{ items: Item[] }>(kubectl, ['-n', namespace, 'get', 'pods', '-l', SERVER_SELECTOR]).items;
  return pods.map((pod) => ({
    createdAt: new Date(pod.metadata.creationTimestamp ?? 0),
    runAsUser: (pod.spec?.securityContext as { runAsUser?: number } | undefined)?.runAsUser,
  }));
}

/** The CustomResourceDefinition is Established: the API server serves its kind. */
export function crdEstablished(kubectl: Kubectl, name: string): Probe {
  return () => {
    const result = kubectl(['get', 'crd', name, '-o', 'jsonpath={.status.conditions[?(@.type=="Established")].status}']);
    return result.status === 0 && result.stdout === 'True' ? undefined : `not yet: ${result.stdout}${result.stderr.trim()}`;
  };
}

/** The claim and the volume bound to it, as the cluster has them now. */
export function claimAndVolume(kubectl: Kubectl, namespace: string, claim: string): [Manifest, Manifest] {
  const pvc = getJson<Manifest & { spec: { volumeName: string } }>(kubectl, ['-n', namespace, 'get', 'pvc', claim]);
  return [pvc, getJson<Manifest>(kubectl, ['get', 'pv', pvc.spec.volumeName])];
}
