import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { findHelm, TOOLS_BIN } from '../helm/helm-binary';
import { Manifest } from '../manifests/manifest';
import { parseDocuments } from '../manifests/yaml';
import { UserError } from '../support/errors';
import { getAt } from '../support/object-path';

/** The outcome of one check: ok, or what is wrong and how to fix it. */
export interface CheckResult {
  /** What was checked, e.g. "helm". */
  readonly name: string;
  /** True when the check passed. */
  readonly ok: boolean;
  /** One line: what was found, or what is wrong and how to fix it. */
  readonly detail: string;
}

/** Runs kubectl against the current kubeconfig. */
export interface Kubectl {
  /** Runs kubectl with the arguments; never throws for a non-zero exit. */
  run(args: readonly string[]): { status: number | null; stdout: string; stderr: string };
}

/** kubectl from tools/bin (the pinned build) when present, else from PATH. */
export function systemKubectl(env: NodeJS.ProcessEnv = process.env): Kubectl {
  const pinned = path.join(TOOLS_BIN, 'kubectl');
  const executable = fs.existsSync(pinned) ? pinned : 'kubectl';
  return {
    run(args) {
      const result = spawnSync(executable, [...args], { encoding: 'utf8', env, timeout: 60_000 });
      if (result.error) {
        throw new UserError(`kubectl could not be run (${executable}): ${result.error.message}; install kubectl or run scripts/install-kube.sh`);
      }
      return { status: result.status, stdout: result.stdout, stderr: result.stderr };
    },
  };
}

/**
 * The book's checks (prometheus-server-preconfig.sh steps 1, 2 and 4) against a cluster, for the
 * storage objects that `storageFile` (dist/<environment>/0000-storage.k8s.yaml) will apply.
 */
export function runPreflight(kubectl: Kubectl, storageFile: string, env: NodeJS.ProcessEnv = process.env): CheckResult[] {
  const storage = readManifests(storageFile);
  const results = [checkHelm(env), checkMetalLb(kubectl)];
  for (const expected of storage.filter((m) => m.kind === 'PersistentVolume' || m.kind === 'PersistentVolumeClaim')) {
    results.push(checkExisting(kubectl, expected));
  }
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

function checkMetalLb(kubectl: Kubectl): CheckResult {
  const result = kubectl.run(['get', 'namespace', 'metallb-system', '-o', 'name']);
  if (result.status === 0) {
    return { name: 'metallb', ok: true, detail: 'namespace metallb-system exists' };
  }
  if (/NotFound|not found/.test(result.stderr)) {
    const install = 'install MetalLB (https://metallb.universe.tf/installation/)';
    const why = 'without it the LoadBalancer Service prometheus-server never gets an EXTERNAL-IP';
    return { name: 'metallb', ok: false, detail: `namespace metallb-system not found: ${install}; ${why}` };
  }
  return { name: 'metallb', ok: false, detail: `cannot ask the cluster: ${firstLine(result.stderr)}` };
}

/** An object that exists must match what dist/ would apply, in the fields Kubernetes will not change. */
function checkExisting(kubectl: Kubectl, expected: Manifest): CheckResult {
  const label = `${expected.kind} ${expected.metadata.name}`;
  const args = ['get', expected.kind.toLowerCase(), expected.metadata.name, '-o', 'json'];
  if (expected.metadata.namespace) args.push('--namespace', expected.metadata.namespace);
  const result = kubectl.run(args);
  if (result.status !== 0) {
    if (/NotFound|not found/.test(result.stderr)) {
      return { name: expected.kind, ok: true, detail: `${label} does not exist yet; apply creates it` };
    }
    return { name: expected.kind, ok: false, detail: `cannot ask the cluster about ${label}: ${firstLine(result.stderr)}` };
  }
  const actual = JSON.parse(result.stdout) as Manifest;
  const differences = compareImmutable(expected, actual);
  if (differences.length === 0) {
    return { name: expected.kind, ok: true, detail: `${label} exists and matches dist/` };
  }
  const remedy = expected.kind === 'PersistentVolume'
    ? 'a PersistentVolume\'s source cannot be changed: delete it (with Retain the data stays on NFS) or set storage.volumeName'
    : 'a claim\'s spec cannot be changed: delete it or set storage.claimName';
  return { name: expected.kind, ok: false, detail: `${label} exists with ${differences.join(', ')}; ${remedy}` };
}

/** The fields that matter for a PV or PVC, as "field X (dist/ has Y)". */
function compareImmutable(expected: Manifest, actual: Manifest): string[] {
  const fields = expected.kind === 'PersistentVolume'
    ? ['spec.nfs.server', 'spec.nfs.path', 'spec.accessModes', 'spec.storageClassName', 'spec.claimRef.name', 'spec.claimRef.namespace']
    : ['spec.volumeName', 'spec.storageClassName', 'spec.accessModes', 'spec.resources.requests.storage'];
  const differences: string[] = [];
  for (const field of fields) {
    const want = JSON.stringify(getAt(expected, field.split('.')));
    const have = JSON.stringify(getAt(actual, field.split('.')));
    if (want !== have) differences.push(`${field} ${have ?? 'unset'} (dist/ has ${want ?? 'unset'})`);
  }
  return differences;
}

function readManifests(file: string): Manifest[] {
  if (!fs.existsSync(file)) {
    throw new UserError(`${file} does not exist: run \`npm run synth\` first`);
  }
  return parseDocuments(fs.readFileSync(file, 'utf8')).map((document) => document.value as Manifest);
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}
