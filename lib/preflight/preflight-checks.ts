import * as fs from 'fs';
import { findHelm } from '../helm/helm-binary';
import { Manifest } from '../manifests/manifest';
import { readManifestFolder } from '../manifests/folder';
import { UserError } from '../support/errors';
import { checkPrepJob } from './job-checks';
import { checkPodSecurity } from './pod-security-checks';
import { checkSharedCluster } from './shared-cluster-checks';
import { cannotAsk, CheckResult } from './check-result';
import { isNotFound, Kubectl } from './kubectl';
import { checkStorage } from './storage-checks';
import { checkUpgrade } from './upgrade-checks';

/**
 * The book's checks (prometheus-server-preconfig.sh steps 1, 2 and 4) against a cluster, for what the
 * environment's folder (`dist/` or `dist-<name>/`) will apply: helm; the namespace; MetalLB where a
 * LoadBalancer Service needs it; Pod Security Admission letting each workload's pods in; another install's
 * cluster-scoped objects and host ports; existing
 * volumes and claims that apply could not change; a prep Job that apply would not run again; and a
 * release running from another chart (the book's, on its way to today's).
 */
export function runPreflight(kubectl: Kubectl, folder: string, env: NodeJS.ProcessEnv = process.env): CheckResult[] {
  const manifests = readFolder(folder);
  const results = [checkHelm(env), checkNamespace(kubectl, manifests)];
  if (manifests.some(isLoadBalancer)) results.push(checkMetalLb(kubectl));
  results.push(...checkPodSecurity(kubectl, manifests), ...checkSharedCluster(kubectl, manifests));
  results.push(...checkStorage(kubectl, manifests, folder), ...checkPrepJob(kubectl, manifests), ...checkUpgrade(kubectl, manifests, folder));
  return results;
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

function checkMetalLb(kubectl: Kubectl): CheckResult {
  const result = kubectl.run(['get', 'namespace', 'metallb-system', '-o', 'name']);
  if (result.status === 0) {
    return { name: 'metallb', ok: true, detail: 'namespace metallb-system exists' };
  }
  if (isNotFound(result.stderr)) {
    const install = 'install MetalLB (https://metallb.universe.tf/installation/)';
    const why = 'without it the LoadBalancer Service prometheus-server never gets an EXTERNAL-IP';
    return { name: 'metallb', ok: false, detail: `namespace metallb-system not found: ${install}; ${why}` };
  }
  return cannotAsk('metallb', 'namespace metallb-system', result.stderr);
}

function isLoadBalancer(manifest: Manifest): boolean {
  return manifest.kind === 'Service' && (manifest.spec as { type?: string } | undefined)?.type === 'LoadBalancer';
}

function readFolder(folder: string): Manifest[] {
  const manifests = fs.existsSync(folder) ? readManifestFolder(folder) : [];
  if (manifests.length === 0) {
    throw new UserError(`${folder} holds no manifests: run \`npm run synth\` first`);
  }
  return manifests;
}
