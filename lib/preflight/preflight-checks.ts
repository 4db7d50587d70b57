import * as fs from 'fs';
import { findHelm } from '../helm/helm-binary';
import { Manifest } from '../manifests/manifest';
import { readManifestFolder } from '../manifests/folder';
import { UserError } from '../support/errors';
import { checkPrepJob } from './job-checks';
import { checkMetalLb } from './metallb-checks';
import { checkPodSecurity } from './pod-security-checks';
import { checkSharedCluster } from './shared-cluster-checks';
import { cannotAsk, CheckResult } from './check-result';
import { isNotFound, Kubectl } from './kubectl';
import { checkStorage } from './storage-checks';
import { checkUpgrade } from './upgrade-checks';

/**
 * The book's checks (prometheus-server-preconfig.sh steps 1, 2 and 4) against a cluster, for what the
 * environment's folder (`dist/` or `dist-<name>/`) will apply: helm; the namespace; MetalLB, a pool and an
 * advertisement where a LoadBalancer Service needs them; Pod Security Admission letting each workload's pods
 * in; another install's cluster-scoped objects and host ports; existing volumes and claims that apply could
 * not change; a prep Job that apply would not run again; and a release running from another chart (the
 * book's, on its way to today's).
 */
export function runPreflight(kubectl: Kubectl, folder: string, env: NodeJS.ProcessEnv = process.env): CheckResult[] {
  const manifests = readFolder(folder);
  const unreachable = checkReachable(kubectl);
  if (unreachable) return [unreachable];
  const results = [checkHelm(env), checkNamespace(kubectl, manifests)];
  const loadBalancer = manifests.find(isLoadBalancer);
  if (loadBalancer) results.push(checkMetalLb(kubectl, `${loadBalancer.metadata.namespace ?? 'default'}/${loadBalancer.metadata.name}`));
  results.push(...checkPodSecurity(kubectl, manifests), ...checkSharedCluster(kubectl, manifests));
  results.push(...checkStorage(kubectl, manifests, folder), ...checkPrepJob(kubectl, manifests), ...checkUpgrade(kubectl, manifests, folder));
  return results;
}

/**
 * The API server kubectl talks to answers at all. When it does not, every other check would fail with the same
 * error, so this one line, naming the server and context kubectl used, stands for all of them.
 */
function checkReachable(kubectl: Kubectl): CheckResult | undefined {
  const version = kubectl.run(['get', '--raw', '/version']);
  if (version.status === 0) return undefined;
  const answer = kubectlMessage(version.stderr);
  const context = kubectl.run(['config', 'current-context']).stdout.trim();
  if (context === '') {
    const fix = 'set KUBECONFIG to the cluster\'s kubeconfig, or copy it to ~/.kube/config';
    return { name: 'cluster', ok: false, detail: `cannot reach a cluster: kubectl has no current context (${answer}); ${fix}` };
  }
  const server = kubectl.run(['config', 'view', '--minify', '-o', 'jsonpath={.clusters[0].cluster.server}']).stdout.trim();
  const check = 'check that the cluster is running and that this context is the cluster to install on (kubectl config get-contexts)';
  return { name: 'cluster', ok: false, detail: `cannot reach the API server ${server} of context ${context}: ${answer}; ${check}` };
}

/** kubectl's own message: its last line that is not a log line (klog's `E1206 12:00:00.000000 …` lines repeat it). */
function kubectlMessage(stderr: string): string {
  const lines = stderr.split('\n').map((line) => line.trim()).filter(Boolean);
  return lines.filter((line) => !/^[EWIF]\d{4} /.test(line)).pop() ?? lines.pop() ?? 'no answer';
}

function checkHelm(env: NodeJS.ProcessEnv): CheckResult {
  try {
    const helm = findHelm({ env, install: false });
    return { name: 'helm', ok: true, detail: `helm ${helm.version} at ${helm.path}` };
  } catch (error) {
    return { name: 'helm', ok: false, detail: (error as Error).message };
  }
}

/** The claim's namespace must exist, or be created by the same apply, and must not be going away. */
function checkNamespace(kubectl: Kubectl, manifests: readonly Manifest[]): CheckResult {
  const claim = manifests.find((m) => m.kind === 'PersistentVolumeClaim');
  const name = claim?.metadata.namespace ?? 'default';
  const created = manifests.some((m) => m.kind === 'Namespace' && m.metadata.name === name);
  const result = kubectl.run(['get', 'namespace', name, '-o', 'jsonpath={.status.phase}']);
  if (result.status === 0) {
    if (result.stdout.trim() === 'Terminating') {
      const wait = `wait until \`kubectl get namespace ${name}\` finds nothing`;
      return { name: 'namespace', ok: false, detail: `namespace ${name} is being deleted: ${wait}` };
    }
    return { name: 'namespace', ok: true, detail: `namespace ${name} exists` };
  }
  if (!isNotFound(result.stderr)) return cannotAsk('namespace', `namespace ${name}`, result.stderr);
  if (created) return { name: 'namespace', ok: true, detail: `namespace ${name} does not exist yet; the apply creates it first` };
  return { name: 'namespace', ok: false, detail: `namespace ${name} not found: create it (kubectl create namespace ${name})` };
}

function isLoadBalancer(manifest: Manifest): boolean {
  return manifest.kind === 'Service' && manifest.spec?.type === 'LoadBalancer';
}

function readFolder(folder: string): Manifest[] {
  const manifests = fs.existsSync(folder) ? readManifestFolder(folder) : [];
  if (manifests.length === 0) {
    throw new UserError(`${folder} holds no manifests: run \`npm run synth\` first`);
  }
  return manifests;
}
