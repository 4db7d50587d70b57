import { Manifest, ManifestList, podSpecOf } from '../manifests/manifest';
import { cannotAsk, CheckResult } from './check-result';
import { isNotFound, Kubectl } from './kubectl';
import { releaseOf } from './upgrade-checks';

/*
 * Another install on the same cluster. Two environments in two namespaces coexist (their ClusterRoles
 * and bindings carry the namespace; their volumes have their own names), but two things cannot be
 * shared: a cluster-scoped object that another install already owns, and a host port, which each node
 * has once.
 */

/** ClusterRoleBindings of the folder that bind another namespace's service accounts; DaemonSets that take its host ports. */
export function checkSharedCluster(kubectl: Kubectl, manifests: readonly Manifest[]): CheckResult[] {
  const bindings = manifests.filter((m) => m.kind === 'ClusterRoleBinding').map((binding) => checkBinding(kubectl, binding));
  const hostPorts = manifests.filter((m) => m.kind === 'DaemonSet' && hostPortsOf(m).length > 0);
  return [...bindings, ...hostPorts.map((daemonSet) => checkHostPorts(kubectl, daemonSet))];
}

function checkBinding(kubectl: Kubectl, binding: Manifest): CheckResult {
  const label = `ClusterRoleBinding ${binding.metadata.name}`;
  const result = kubectl.run(['get', 'clusterrolebinding', binding.metadata.name, '-o', 'json']);
  if (result.status !== 0) {
    if (isNotFound(result.stderr)) return { name: 'shared cluster', ok: true, detail: `${label} does not exist yet` };
    return cannotAsk('shared cluster', label, result.stderr);
  }
  const ours = new Set(subjectNamespaces(binding));
  const theirs = subjectNamespaces(JSON.parse(result.stdout) as Manifest).filter((namespace) => !ours.has(namespace));
  if (theirs.length === 0) return { name: 'shared cluster', ok: true, detail: `${label} binds this install's service accounts` };
  const owner = `the install in namespace ${theirs.join(', ')}`;
  const detail = `${label} belongs to ${owner}; applying would take it over: give this install its own namespace`;
  return { name: 'shared cluster', ok: false, detail };
}

function checkHostPorts(kubectl: Kubectl, daemonSet: Manifest): CheckResult {
  const result = kubectl.run(['get', 'daemonsets', '--all-namespaces', '-o', 'json']);
  if (result.status !== 0) return cannotAsk('host ports', 'the DaemonSets of the cluster', result.stderr);
  const ports = new Set(hostPortsOf(daemonSet));
  const namespace = daemonSet.metadata.namespace ?? 'default';
  // The same release's DaemonSet under another name (the other chart's) is the upgrade check's to name.
  const sameRelease = (other: Manifest) => (other.metadata.namespace ?? 'default') === namespace && releaseOf(other) === releaseOf(daemonSet);
  const others = (JSON.parse(result.stdout) as ManifestList).items
    .filter((other) => !(other.metadata.name === daemonSet.metadata.name && (other.metadata.namespace ?? 'default') === namespace))
    .filter((other) => !sameRelease(other))
    .map((other) => ({ other, shared: hostPortsOf(other).filter((port) => ports.has(port)) }))
    .filter(({ shared }) => shared.length > 0);
  if (others.length === 0) return { name: 'host ports', ok: true, detail: `no other DaemonSet takes host port ${[...ports].join(', ')}` };
  const { other, shared } = others[0];
  const taken = `DaemonSet ${other.metadata.namespace}/${other.metadata.name} takes host port ${shared.join(', ')} on every node`;
  const remedy = `so the pods of DaemonSet ${daemonSet.metadata.name} would stay Pending; one node-exporter per node serves every `
    + 'Prometheus: set prometheus.nodeExporter: false for this environment';
  return { name: 'host ports', ok: false, detail: `${taken}, ${remedy}` };
}

function subjectNamespaces(binding: Manifest): string[] {
  return (binding.subjects ?? []).flatMap((subject) => (subject.kind === 'ServiceAccount' && subject.namespace ? [subject.namespace] : []));
}

/** Host ports a workload takes: those it names, and with the host's network every container port (the API server defaults hostPort so). */
function hostPortsOf(workload: Manifest): number[] {
  const pod = podSpecOf(workload);
  const hostNetwork = pod?.hostNetwork === true;
  const ports = (pod?.containers ?? []).flatMap((container) => (container.ports ?? [])
    .map((port) => port.hostPort ?? (hostNetwork ? port.containerPort : undefined)));
  return [...new Set(ports.filter((port): port is number => port !== undefined))];
}
