import * as fs from 'fs';
import * as path from 'path';
import { environmentOutdir } from '../lib/config/loader';
import { POD_SECURITY_ENFORCE_LABEL } from '../lib/manifests/metadata';
import { expectExit, expectLine, expectSuccess, preflight, step, synthWith } from './check';
import { claimBound, getJson, jobComplete, nodeExporterOn, noPendingPods, waitFor } from './converge';
import { Flux, folderInventory } from './flux';
import { convergedSteps, Install, readInstall } from './lifecycle';
import { LocalCluster } from './local-cluster';
import { BOOK_LAB_NODES } from './simulated-nodes';

/*
 * What GitOps users do: two installs on one cluster with kubectl (the lab in "default", a second one in
 * "monitoring" without its own node-exporter), then Flux's kustomize-controller reconciling the lab,
 * a config change, a folder switched to another environment, and two Kustomizations side by side.
 */

const SECOND = { environment: 'staging', namespace: 'monitoring' };
const NODES = BOOK_LAB_NODES.map((node) => node.name);

/** The second environment synthesized for this run's target, as an install on a cluster that has a node-exporter already. */
function secondInstall(settings: Record<string, string> = {}): Install {
  const outdir = synthWith({ SYNTH_ENVIRONMENTS: SECOND.environment, BOOK_PROMETHEUS_NODE_EXPORTER: 'false', ...settings });
  return readInstall(environmentOutdir(outdir, SECOND.environment));
}

/** The dist/ of the synth that wrote the install's folder (dist-<name>/ beside it): what preflight reads environments from. */
function synthOutdir(install: Install): string {
  return path.join(path.dirname(install.folder), 'dist');
}

function removeSynth(install: Install): void {
  fs.rmSync(path.dirname(install.folder), { recursive: true, force: true });
}

/** Objects' resourceVersions, so a reconcile that changed anything shows. */
function resourceVersions(cluster: LocalCluster, folders: readonly string[]): Record<string, string> {
  const versions: Record<string, string> = {};
  for (const folder of folders) {
    const list = getJson<{ items: Array<{ kind: string; metadata: { name: string; namespace?: string; resourceVersion: string } }> }>(
      cluster.kubectl, ['get', '-f', folder]);
    for (const item of list.items) versions[`${item.kind}/${item.metadata.namespace ?? ''}/${item.metadata.name}`] = item.metadata.resourceVersion;
  }
  return versions;
}

/** Two installs on the lab's cluster with kubectl: the second in its own namespace, neither rewriting the other. */
export function sharedClusterSteps(cluster: LocalCluster, lab: Install): void {
  const withExporter = secondInstall({ BOOK_PROMETHEUS_NODE_EXPORTER: 'true' });
  const second = secondInstall();
  try {
    step('preflight of a second install with its own node-exporter names the lab\'s, which holds host port 9100, and the setting that avoids it', () => {
      const result = preflight(cluster, SECOND.environment, synthOutdir(withExporter));
      expectExit(result, 1, 'preflight of a second node-exporter');
      expectLine(result.stdout, /^FAIL {2}host ports: DaemonSet default\/prometheus-node-exporter takes host port 9100 on every node, .*set prometheus\.nodeExporter: false/);
    });
    step(`a second install in namespace ${SECOND.namespace}, without node-exporter, applies beside the lab and converges`, () => {
      const result = preflight(cluster, SECOND.environment, synthOutdir(second));
      expectExit(result, 0, 'preflight of the second install');
      expectSuccess(cluster.kubectl(['apply', '-f', second.folder]), 'apply of the second install');
      waitFor('second claim Bound', claimBound(cluster.kubectl, second.namespace, second.claim));
      waitFor('second Job Complete', jobComplete(cluster.kubectl, second.namespace, second.job));
      waitFor('no Pending pod in the second namespace', noPendingPods(cluster.kubectl, second.namespace));
      waitFor('the lab\'s node-exporter still everywhere', nodeExporterOn(cluster.kubectl, lab.namespace, NODES));
    });
    step('re-applying either install changes nothing of the other: no shared ClusterRole or binding flips', () => {
      const before = resourceVersions(cluster, [lab.folder, second.folder]);
      for (const folder of [lab.folder, second.folder, lab.folder]) {
        const output = expectSuccess(cluster.kubectl(['apply', '-f', folder]), `re-apply ${folder}`);
        const changed = output.trim().split('\n').filter((line) => !/ unchanged$/.test(line));
        if (changed.length > 0) throw new Error(`changed on re-apply of ${folder}:\n${changed.join('\n')}`);
      }
      const after = resourceVersions(cluster, [lab.folder, second.folder]);
      if (JSON.stringify(after) !== JSON.stringify(before)) throw new Error('an object changed although every apply said unchanged');
    });
    step('removing the second install leaves the lab as it was', () => {
      // Not waiting for the namespace to finish terminating: its controller takes its time, and the lab is what matters.
      expectSuccess(cluster.kubectl(['delete', '-f', second.folder, '--wait=false']), 'delete the second install');
      waitFor('the lab\'s node-exporter everywhere', nodeExporterOn(cluster.kubectl, lab.namespace, NODES));
      waitFor('lab claim Bound', claimBound(cluster.kubectl, lab.namespace, lab.claim));
    });
  } finally {
    removeSynth(withExporter);
    removeSynth(second);
  }
}

/** Flux's kustomize-controller reconciling the lab (the folder `labFolder`) on a fresh cluster. */
export function fluxSteps(cluster: LocalCluster, labFolder: string): { objects: number } {
  expectSuccess(cluster.kubectl(['label', '--overwrite', 'namespace', 'default', `${POD_SECURITY_ENFORCE_LABEL}=privileged`]), 'label default');
  const flux = Flux.start(cluster);
  const lab = readInstall(labFolder);
  let revision = flux.publish('lab', labFolder);

  step('Flux reconciles the lab to Ready, its own health checks passing (prune and wait), with the folder\'s objects as its inventory', () => {
    flux.waitReady('lab', revision);
    const expected = folderInventory(labFolder);
    const inventory = flux.inventory('lab');
    if (JSON.stringify(inventory) !== JSON.stringify(expected)) {
      throw new Error(`inventory differs:\n${inventory.join('\n')}\nfolder:\n${expected.join('\n')}`);
    }
  });
  convergedSteps(cluster, lab, BOOK_LAB_NODES);

  const changedOutdir = synthWith({ SYNTH_ENVIRONMENTS: 'lab', BOOK_OWNER_UID: '1001', BOOK_OWNER_GID: '1001' });
  const changed = readInstall(environmentOutdir(changedOutdir, 'lab'));
  const switched = secondInstall({ BOOK_PROMETHEUS_NODE_EXPORTER: 'true' });
  // The lab again, beside it: the node-exporter now runs in the other namespace.
  const besideOutdir = synthWith({ SYNTH_ENVIRONMENTS: 'lab', BOOK_OWNER_UID: '1001', BOOK_OWNER_GID: '1001', BOOK_PROMETHEUS_NODE_EXPORTER: 'false' });
  const beside = readInstall(environmentOutdir(besideOutdir, 'lab'));
  try {
    step('a uid change reconciles to Ready: the old Job pruned, the new one Complete', () => {
      revision = flux.publish('lab', changed.folder);
      flux.waitReady('lab', revision);
      waitFor('new Job Complete', jobComplete(cluster.kubectl, changed.namespace, changed.job));
      const jobs = getJson<{ items: Array<{ metadata: { name: string } }> }>(cluster.kubectl, ['-n', 'default', 'get', 'jobs']).items.map((job) => job.metadata.name);
      if (jobs.includes(lab.job)) throw new Error(`the old Job ${lab.job} was not pruned: ${jobs.join(', ')}`);
    });

    step(`the lab's Kustomization switched to another environment (namespace ${SECOND.namespace}) prunes the lab's objects but not its volume or claim`, () => {
      revision = flux.publish('lab', switched.folder);
      flux.waitReady('lab', revision);
      const left = getJson<{ items: unknown[] }>(cluster.kubectl, ['-n', 'default', 'get', 'deployments,daemonsets,jobs,services,configmaps,networkpolicies',
        '-l', 'app.kubernetes.io/part-of=prometheus-book']).items;
      const chart = getJson<{ items: unknown[] }>(cluster.kubectl, ['-n', 'default', 'get', 'deployments,daemonsets', '-l', 'release=prometheus']).items;
      if (left.length + chart.length > 0) throw new Error(`the lab's workloads were not pruned: ${left.length + chart.length} left`);
      waitFor('the lab\'s claim still Bound to its volume', claimBound(cluster.kubectl, 'default', lab.claim));
      waitFor('node-exporter everywhere, now from the new namespace', nodeExporterOn(cluster.kubectl, SECOND.namespace, NODES));
    });

    step('two Kustomizations side by side (the lab back in "default", the other in its namespace) are both Ready, and a second reconcile changes nothing', () => {
      const labRevision = flux.publish('lab-default', beside.folder);
      flux.waitReady('lab-default', labRevision);
      flux.waitReady('lab', revision);
      waitFor('the lab\'s claim Bound again', claimBound(cluster.kubectl, 'default', beside.claim));
      const folders = [beside.folder, switched.folder];
      const before = resourceVersions(cluster, folders);
      flux.reconcileNow('lab');
      flux.reconcileNow('lab-default');
      flux.reconcileNow('lab');
      const after = resourceVersions(cluster, folders);
      const moved = Object.keys(after).filter((key) => after[key] !== before[key]);
      if (moved.length > 0) throw new Error(`changed by a second reconcile:\n${moved.join('\n')}`);
    });
  } finally {
    fs.rmSync(path.dirname(changedOutdir), { recursive: true, force: true });
    fs.rmSync(path.dirname(besideOutdir), { recursive: true, force: true });
    removeSynth(switched);
  }
  return { objects: folderInventory(labFolder).length };
}
