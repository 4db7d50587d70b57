import * as fs from 'fs';
import * as path from 'path';
import { environmentOutdir } from '../lib/config/loader';
import { Manifest } from '../lib/manifests/manifest';
import { POD_SECURITY_ENFORCE_LABEL } from '../lib/manifests/metadata';
import { parseDocuments, parseYaml } from '../lib/manifests/yaml';
import { Checks, expectExit, expectLine, expectSuccess, literal, preflight, synthWith } from './check';
import { claimAndVolume, claimBound, deploymentAvailable, getJson, jobComplete, nodeExporterOn, noPendingPods, waitFor } from './converge';
import { Flux, folderInventory, KUSTOMIZATION } from './flux';
import { GitRepository } from './git-repository';
import { convergedSteps, Install, readInstall } from './lifecycle';
import { LocalCluster } from './local-cluster';
import { BOOK_LAB_NODES } from './simulated-nodes';

/*
 * What GitOps users do: two installs on one cluster with kubectl (the lab in "default", a second one in
 * "monitoring" without its own node-exporter), then Flux following a Git repository of the folders.
 */

const SECOND = { environment: 'staging', namespace: 'monitoring' };
const NODES = BOOK_LAB_NODES.map((node) => node.name);

/** The second environment synthesized for this run's target, as an install on a cluster that has a node-exporter already. */
function secondInstall(cluster: LocalCluster, settings: Record<string, string> = {}): Install {
  const outdir = synthWith(cluster.release, { SYNTH_ENVIRONMENTS: SECOND.environment, BOOK_PROMETHEUS_NODE_EXPORTER: 'false', ...settings });
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
export function sharedClusterSteps(checks: Checks, cluster: LocalCluster, lab: Install): void {
  const withExporter = secondInstall(cluster, { BOOK_PROMETHEUS_NODE_EXPORTER: 'true' });
  const second = secondInstall(cluster);
  try {
    checks.step('preflight of a second install with its own node-exporter names the lab\'s, which holds host port 9100, and the setting that avoids it', () => {
      const result = preflight(cluster, SECOND.environment, synthOutdir(withExporter));
      expectExit(result, 1, 'preflight of a second node-exporter');
      expectLine(result.stdout, /^FAIL {2}host ports: DaemonSet default\/prometheus-node-exporter takes host port 9100 on every node, .*set prometheus\.nodeExporter: false/);
    });
    checks.step(`a second install in namespace ${SECOND.namespace}, without node-exporter, applies beside the lab and converges`, () => {
      const result = preflight(cluster, SECOND.environment, synthOutdir(second));
      expectExit(result, 0, 'preflight of the second install');
      expectSuccess(cluster.kubectl(['apply', '-f', second.folder]), 'apply of the second install');
      waitFor('second claim Bound', claimBound(cluster.kubectl, second.namespace, second.claim));
      waitFor('second Job Complete', jobComplete(cluster.kubectl, second.namespace, second.job));
      waitFor('no Pending pod in the second namespace', noPendingPods(cluster.kubectl, second.namespace));
      waitFor('the lab\'s node-exporter still everywhere', nodeExporterOn(cluster.kubectl, lab.namespace, NODES));
    });
    checks.step('re-applying either install changes nothing of the other: no shared ClusterRole or binding flips', () => {
      const before = resourceVersions(cluster, [lab.folder, second.folder]);
      for (const folder of [lab.folder, second.folder, lab.folder]) {
        const output = expectSuccess(cluster.kubectl(['apply', '-f', folder]), `re-apply ${folder}`);
        const changed = output.trim().split('\n').filter((line) => !/ unchanged$/.test(line));
        if (changed.length > 0) throw new Error(`changed on re-apply of ${folder}:\n${changed.join('\n')}`);
      }
      const after = resourceVersions(cluster, [lab.folder, second.folder]);
      if (JSON.stringify(after) !== JSON.stringify(before)) throw new Error('an object changed although every apply said unchanged');
    });
    checks.step('removing the second install leaves the lab as it was', () => {
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

/** A claim's and its volume's uids: the same data, kept across a change. */
function claimAndVolumeIds(cluster: LocalCluster, namespace: string, claim: string): string {
  const [pvc, pv] = claimAndVolume(cluster.kubectl, namespace, claim);
  return `claim ${pvc.metadata.uid} bound to volume ${pv.metadata.name} ${pv.metadata.uid}`;
}

/**
 * Flux, whole, on a fresh cluster: the e2e commits synthesized folders to a Git repository served on 127.0.0.1,
 * source-controller clones it, kustomize-controller applies dist/. A commit flows through, a revert rolls it
 * back, a broken commit is refused with the cluster left as it was, the book's chart is switched to today's as
 * docs/upgrading.md tells a Flux user, and a second install follows its own folder of the same repository.
 */
export function fluxSteps(checks: Checks, cluster: LocalCluster): { objects: number; commits: number } {
  expectSuccess(cluster.kubectl(['label', '--overwrite', 'namespace', 'default', `${POD_SECURITY_ENFORCE_LABEL}=privileged`]), 'label default');
  const outdir = synthWith(cluster.release, { SYNTH_ENVIRONMENTS: 'lab,today' });
  const lab = readInstall(environmentOutdir(outdir, 'lab'));
  const today = readInstall(environmentOutdir(outdir, 'today'));
  const changedOutdir = synthWith(cluster.release, { SYNTH_ENVIRONMENTS: 'lab', BOOK_OWNER_UID: '1001', BOOK_OWNER_GID: '1001' });
  const changed = readInstall(environmentOutdir(changedOutdir, 'lab'));
  const second = secondInstall(cluster);
  const broken = path.join(path.dirname(outdir), 'broken');
  let commits = 0;
  try {
    const repository = GitRepository.serve(cluster);
    const flux = Flux.start(cluster, repository);
    const commit = (message: string, folders: Record<string, string>) => {
      commits += 1;
      return flux.fetch(repository.commit(message, folders));
    };
    const revertLast = () => {
      commits += 1;
      return flux.fetch(repository.revertLast());
    };
    // A second install follows its own folder of the same repository from the start, beside the lab (checked last).
    let revision = commit('the lab and a second install as synthesized', { 'dist': lab.folder, 'dist-staging': second.folder });
    flux.kustomization();
    flux.kustomization(`${KUSTOMIZATION}-staging`, 'dist-staging');

    checks.step('Flux clones the commit over HTTP and reconciles dist/ to Ready at its revision (prune, wait), the folder\'s objects as its inventory', () => {
      flux.waitReady(KUSTOMIZATION, revision);
      const expected = folderInventory(lab.folder);
      const inventory = flux.inventory(KUSTOMIZATION);
      if (JSON.stringify(inventory) !== JSON.stringify(expected)) {
        throw new Error(`inventory differs:\n${inventory.join('\n')}\nfolder:\n${expected.join('\n')}`);
      }
    });
    convergedSteps(checks, cluster, lab, BOOK_LAB_NODES);

    checks.step('a config change, synthesized and committed, reaches the cluster: the old Job pruned, the new one Complete', () => {
      revision = commit('owner 1001:1001', { dist: changed.folder });
      flux.waitReady(KUSTOMIZATION, revision);
      waitFor('new Job Complete', jobComplete(cluster.kubectl, changed.namespace, changed.job));
      const jobs = jobNames(cluster, changed.namespace);
      if (jobs.includes(lab.job)) throw new Error(`the old Job ${lab.job} was not pruned: ${jobs.join(', ')}`);
    });

    checks.step('a revert commit rolls it back: the first Job Complete again, the changed one pruned', () => {
      revision = revertLast();
      flux.waitReady(KUSTOMIZATION, revision);
      waitFor('the first Job Complete again', jobComplete(cluster.kubectl, lab.namespace, lab.job));
      const jobs = jobNames(cluster, lab.namespace);
      if (jobs.includes(changed.job)) throw new Error(`the changed Job ${changed.job} was not pruned: ${jobs.join(', ')}`);
    });

    checks.step('a commit whose dist/ does not build (an object twice) and changes the server\'s ConfigMap is refused, naming the object twice; '
      + 'the cluster keeps the last good revision untouched', () => {
      const twice = brokenCommit(lab, broken);
      const before = resourceVersions(cluster, [lab.folder]);
      const brokenRevision = commit('storage twice, a scrape job added', { dist: broken });
      const failed = flux.waitFailed(KUSTOMIZATION, brokenRevision);
      process.stdout.write(`# kustomize-controller: ${failed.message.split('\n')[0]}\n`);
      const refused = `kustomize build failed: accumulating resources: accumulation err='merging resources from './${twice.file}': `
        + `may not add resource with an already registered id: ${twice.id}'`;
      expectLine(failed.message, new RegExp(`^${literal(refused)}: must build at directory: '\\S+/dist/${literal(twice.file)}': file is not directory$`));
      if (failed.lastAppliedRevision !== revision) throw new Error(`last applied ${failed.lastAppliedRevision}, not the good ${revision}`);
      const after = resourceVersions(cluster, [lab.folder]);
      const moved = Object.keys(after).filter((key) => after[key] !== before[key]);
      if (moved.length > 0) throw new Error(`changed by the refused commit:\n${moved.join('\n')}`);
      revision = revertLast();
      flux.waitReady(KUSTOMIZATION, revision);
    });

    checks.step('the book\'s chart switched to today\'s as docs/upgrading.md tells a Flux user: suspend, preflight\'s printed steps, the path ./dist-today, resume', () => {
      const kept = claimAndVolumeIds(cluster, lab.namespace, lab.claim);
      revision = commit('today\'s chart beside the book\'s', { 'dist-today': today.folder });
      flux.setSuspended(KUSTOMIZATION, true);
      const result = preflight(cluster, 'today', outdir);
      expectExit(result, 1, 'preflight for today');
      const printed = [...result.stdout.matchAll(/^ {8}\d+\. (kubectl .*)$/gm)].map((match) => match[1]);
      if (!/^kubectl apply -f /.test(printed[printed.length - 1] ?? '')) throw new Error(`the apply is not last:\n${printed.join('\n')}`);
      // Every step but the apply, which is Flux's to do once it follows the new path.
      for (const command of printed.slice(0, -1)) expectSuccess(cluster.kubectl(command.split(' ').slice(1)), command);
      flux.kustomization(KUSTOMIZATION, 'dist-today');
      flux.setSuspended(KUSTOMIZATION, false);
      flux.waitReady(KUSTOMIZATION, revision);
      waitFor('today\'s claim Bound', claimBound(cluster.kubectl, today.namespace, today.claim));
      for (const deployment of today.deployments) waitFor(`${deployment} Available`, deploymentAvailable(cluster.kubectl, today.namespace, deployment));
      waitFor('today\'s node-exporter on every node', nodeExporterOn(cluster.kubectl, today.namespace, NODES, today.nodeExporterSelector));
      const now = claimAndVolumeIds(cluster, today.namespace, today.claim);
      if (now !== kept) throw new Error(`the data moved: ${kept} -> ${now}`);
    });

    checks.step(`a second install followed its own folder all along (dist-staging, namespace ${SECOND.namespace}): both Kustomizations Ready at the last commit, a second reconcile changes nothing`, () => {
      flux.waitReady(`${KUSTOMIZATION}-staging`, revision);
      flux.waitReady(KUSTOMIZATION, revision);
      waitFor('the second claim Bound', claimBound(cluster.kubectl, second.namespace, second.claim));
      const folders = [today.folder, second.folder];
      const before = resourceVersions(cluster, folders);
      flux.reconcileNow(KUSTOMIZATION);
      flux.reconcileNow(`${KUSTOMIZATION}-staging`);
      const after = resourceVersions(cluster, folders);
      const moved = Object.keys(after).filter((key) => after[key] !== before[key]);
      if (moved.length > 0) throw new Error(`changed by a second reconcile:\n${moved.join('\n')}`);
    });
  } finally {
    fs.rmSync(path.dirname(outdir), { recursive: true, force: true });
    fs.rmSync(path.dirname(changedOutdir), { recursive: true, force: true });
    removeSynth(second);
  }
  return { objects: lab.manifests.length, commits };
}

/**
 * The lab's folder copied to `broken` with its first file again under another name, and the server's ConfigMap given
 * another scrape job: a commit kustomize cannot build, whose objects differ from the cluster's, so that an apply of any of
 * them would show. The repeated file, and the id kustomize gives its first object.
 */
function brokenCommit(lab: Install, broken: string): { file: string; id: string } {
  fs.cpSync(lab.folder, broken, { recursive: true });
  const [first] = fs.readdirSync(broken).sort();
  const file = '0009-the-storage-again.k8s.yaml';
  fs.copyFileSync(path.join(broken, first), path.join(broken, file));
  const repeated = parseDocuments(fs.readFileSync(path.join(broken, first), 'utf8'))[0].value as Manifest;
  const [group, version] = repeated.apiVersion.includes('/') ? repeated.apiVersion.split('/') : ['[noGrp]', repeated.apiVersion];
  const id = `${repeated.kind}.${version}.${group}/${repeated.metadata.name}.${repeated.metadata.namespace ?? '[noNs]'}`;
  const configMapFile = fs.readdirSync(broken).find((name) => /^kind: ConfigMap$/m.test(fs.readFileSync(path.join(broken, name), 'utf8')));
  if (!configMapFile) throw new Error(`no ConfigMap in ${lab.folder}`);
  // JSON is YAML: each object of the file written back as one document.
  const objects = parseDocuments(fs.readFileSync(path.join(broken, configMapFile), 'utf8')).map((document) => document.value as Manifest);
  const server = objects.find((object) => object.kind === 'ConfigMap' && object.metadata.name === 'prometheus-server');
  if (!server) throw new Error(`no ConfigMap prometheus-server in ${configMapFile}`);
  const data = (server as Manifest & { data: Record<string, string> }).data;
  const config = parseYaml(data['prometheus.yml']) as { scrape_configs: object[] };
  config.scrape_configs.push({ job_name: 'e2e-broken-commit', static_configs: [{ targets: ['localhost:9090'] }] });
  data['prometheus.yml'] = JSON.stringify(config, null, 2);
  fs.writeFileSync(path.join(broken, configMapFile), objects.map((object) => JSON.stringify(object, null, 2)).join('\n---\n'));
  return { file, id };
}

function jobNames(cluster: LocalCluster, namespace: string): string[] {
  return getJson<{ items: Manifest[] }>(cluster.kubectl, ['-n', namespace, 'get', 'jobs']).items.map((job) => job.metadata.name);
}
