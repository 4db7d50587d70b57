import * as fs from 'fs';
import * as path from 'path';
import * as util from 'util';
import { environmentOutdir } from '../lib/config/loader';
import { Manifest } from '../lib/manifests/manifest';
import { POD_SECURITY_ENFORCE_LABEL, SYNC_WAVE_ANNOTATION } from '../lib/manifests/metadata';
import { APPLICATION, ArgoCd } from './argocd';
import { Checks, expectSuccess, synthWith } from './check';
import { claimAndVolume, claimBound, deploymentAvailable, getJson, jobComplete, waitFor } from './converge';
import { GitRepository } from './git-repository';
import { readInstall } from './lifecycle';
import { LocalCluster } from './local-cluster';
import { externalIp, hasExternalIp, LAB_LOAD_BALANCER_ADDRESS, MetalLb, notHandled } from './metallb';

/*
 * Argo CD following the e2e's Git repository: the lab synced and healthy by Argo CD's own rules, in the
 * order its sync waves give, a deleted Deployment put back (selfHeal), a commit flowing through, and the
 * volume and claim kept when the Application moves to another folder.
 */

const TRACKING_ANNOTATION = 'argocd.argoproj.io/tracking-id';

/** The wave each object of the folder carries (0 without one), by "Kind/name" (each unique in one install's folder). */
function wavesOf(manifests: readonly Manifest[]): Map<string, number> {
  return new Map(manifests.map((m) => [`${m.kind}/${m.metadata.name}`, Number(m.metadata.annotations?.[SYNC_WAVE_ANNOTATION] ?? 0)]));
}

export function argoCdSteps(checks: Checks, cluster: LocalCluster): { objects: number; commits: number; externalIp: string } {
  const { kubectl } = cluster;
  expectSuccess(kubectl(['label', '--overwrite', 'namespace', 'default', `${POD_SECURITY_ENFORCE_LABEL}=privileged`]), 'label default');
  const outdir = synthWith(cluster.release, { SYNTH_ENVIRONMENTS: 'lab' });
  const lab = readInstall(environmentOutdir(outdir, 'lab'));
  const changedOutdir = synthWith(cluster.release, { SYNTH_ENVIRONMENTS: 'lab', BOOK_OWNER_UID: '1001', BOOK_OWNER_GID: '1001' });
  const changed = readInstall(environmentOutdir(changedOutdir, 'lab'));
  const otherOutdir = synthWith(cluster.release, { SYNTH_ENVIRONMENTS: 'staging', BOOK_PROMETHEUS_NODE_EXPORTER: 'false' });
  const other = readInstall(environmentOutdir(otherOutdir, 'staging'));
  let commits = 0;
  let externalAddress = '';
  const service = lab.loadBalancerService || '(no LoadBalancer Service)';
  try {
    const repository = GitRepository.serve(cluster);
    const argo = ArgoCd.start(cluster);
    const metallb = MetalLb.start(cluster);
    let commit = repository.commit('the lab as synthesized', { dist: lab.folder });
    commits += 1;
    argo.application(repository.url);

    checks.step(`without a MetalLB pool: ${service} stays <pending> (MetalLB's controller finds no address), Argo CD's Application Progressing with everything else healthy`, () => {
      waitFor('MetalLB\'s controller refusing an address', notHandled(cluster, `${lab.namespace}/${service}`));
      argo.waitProgressing(commit);
      // What holds the Application back is the Service, by Argo CD's own health of each object; the others are healthy.
      waitFor('claim Bound', claimBound(kubectl, lab.namespace, lab.claim));
      waitFor('Job Complete', jobComplete(kubectl, lab.namespace, lab.job));
      for (const deployment of lab.deployments) waitFor(`${deployment} Available`, deploymentAvailable(kubectl, lab.namespace, deployment));
      waitFor(`every object but Service ${service} Healthy in Argo CD's view, the Service Progressing`, () => {
        const found = argo.status();
        const unhealthy = (found.resources ?? []).filter((resource) => resource.health && resource.health.status !== 'Healthy')
          .map((resource) => `${resource.kind}/${resource.name} ${resource.health?.status}`);
        const expected = [`Service/${service} Progressing`];
        return found.health?.status === 'Progressing' && util.isDeepStrictEqual(unhealthy, expected) ? undefined
          : `Application ${found.health?.status}; not Healthy: ${unhealthy.join(', ') || 'none'}`;
      }, 120_000);
      const address = externalIp(cluster, lab.namespace, service);
      if (address !== '<pending>') throw new Error(`EXTERNAL-IP ${address} without a pool`);
      process.stdout.write(`# without a pool: EXTERNAL-IP ${address}; MetalLB's controller: failed to handle service ${lab.namespace}/${service}\n`);
    });

    checks.step(`with the book's pool and an L2Advertisement: EXTERNAL-IP ${LAB_LOAD_BALANCER_ADDRESS} from MetalLB, and Argo CD's Healthy follows`, () => {
      metallb.addLabPool();
      waitFor(`EXTERNAL-IP ${LAB_LOAD_BALANCER_ADDRESS}`, hasExternalIp(cluster, lab.namespace, service));
      externalAddress = externalIp(cluster, lab.namespace, service);
      process.stdout.write(`# kubectl get service ${service}: EXTERNAL-IP ${externalAddress}\n`);
    });

    checks.step('Argo CD syncs dist/ from Git: Synced and Healthy by its own rules (claim Bound, Job Complete, Deployments available)', () => {
      argo.waitSynced(commit);
      waitFor('claim Bound', claimBound(kubectl, lab.namespace, lab.claim));
      waitFor('Job Complete', jobComplete(kubectl, lab.namespace, lab.job));
      for (const deployment of lab.deployments) waitFor(`${deployment} Available`, deploymentAvailable(kubectl, lab.namespace, deployment));
    });

    checks.step('the sync ran wave by wave, as the operation\'s result lists it: storage, then the prep Job, then the chart', () => {
      const waves = wavesOf(lab.manifests);
      const synced = argo.firstSyncOf(commit);
      const order = synced.map((resource) => waves.get(`${resource.kind}/${resource.name}`));
      if (synced.length !== lab.manifests.length || order.some((wave) => wave === undefined)) {
        throw new Error(`the sync's ${synced.length} resources are not the folder's ${lab.manifests.length}: ${synced.map((r) => `${r.kind}/${r.name}`).join(', ')}`);
      }
      const sorted = [...order].sort((a, b) => (a as number) - (b as number));
      if (JSON.stringify(order) !== JSON.stringify(sorted)) throw new Error(`synced out of wave order: ${order.join(' ')}`);
      if (new Set(order).size < 3) throw new Error(`fewer than three waves: ${[...new Set(order)].join(' ')}`);
    });

    checks.step('Argo CD tracks by annotation: every object carries its tracking id, the chart\'s app.kubernetes.io/instance labels stay the chart\'s', () => {
      const objects = getJson<{ items: Manifest[] }>(kubectl, ['-n', lab.namespace, 'get', 'deployments,daemonsets,services,configmaps']).items
        .filter((object) => (object.metadata.labels as Record<string, string> | undefined)?.['app.kubernetes.io/part-of'] === 'prometheus-book'
          || (object.metadata.labels as Record<string, string> | undefined)?.release === 'prometheus');
      const untracked = objects.filter((object) => !object.metadata.annotations?.[TRACKING_ANNOTATION]?.startsWith(`${APPLICATION}:`));
      if (objects.length === 0 || untracked.length > 0) throw new Error(`not tracked: ${untracked.map((o) => o.metadata.name).join(', ')}`);
      const relabelled = objects.filter((object) => {
        const instance = (object.metadata.labels as Record<string, string> | undefined)?.['app.kubernetes.io/instance'];
        return instance !== undefined && instance !== 'prometheus';
      });
      if (relabelled.length > 0) throw new Error(`instance label rewritten on ${relabelled.map((o) => o.metadata.name).join(', ')}`);
    });

    checks.step('a Deployment deleted by hand comes back (selfHeal)', () => {
      const server = lab.deployments.find((name) => name.endsWith('-server')) as string;
      const before = getJson<Manifest>(kubectl, ['-n', lab.namespace, 'get', 'deployment', server]).metadata.uid;
      expectSuccess(kubectl(['-n', lab.namespace, 'delete', 'deployment', server, '--wait=true']), `delete ${server}`);
      waitFor(`${server} back`, () => {
        const result = kubectl(['-n', lab.namespace, 'get', 'deployment', server, '-o', 'jsonpath={.metadata.uid}']);
        return result.status === 0 && result.stdout !== before ? undefined : 'not back yet';
      }, 240_000);
      waitFor(`${server} Available`, deploymentAvailable(kubectl, lab.namespace, server));
    });

    checks.step('a config change, synthesized and committed, flows through: the new Job Complete, the old one pruned', () => {
      commit = repository.commit('owner 1001:1001', { dist: changed.folder });
      commits += 1;
      argo.refresh();
      argo.waitSynced(commit);
      waitFor('new Job Complete', jobComplete(kubectl, changed.namespace, changed.job));
      const jobs = getJson<{ items: Manifest[] }>(kubectl, ['-n', changed.namespace, 'get', 'jobs']).items.map((job) => job.metadata.name);
      if (jobs.includes(lab.job)) throw new Error(`the old Job ${lab.job} was not pruned: ${jobs.join(', ')}`);
    });

    checks.step('the Application moved to another folder (dist-staging) prunes the lab\'s workloads, never its volume or claim (Prune=false): '
      + 'both the same objects (uids), neither being deleted', () => {
      const before = claimAndVolume(kubectl, lab.namespace, lab.claim);
      commit = repository.commit('a second environment', { 'dist-staging': other.folder });
      commits += 1;
      argo.application(repository.url, 'dist-staging');
      argo.refresh();
      // Synced it cannot be: the kept volume and claim are still the Application's, and no longer in its folder.
      argo.waitSynced(commit, false);
      waitFor('the other install\'s claim Bound', claimBound(kubectl, other.namespace, other.claim));
      const left = getJson<{ items: Manifest[] }>(kubectl, ['-n', lab.namespace, 'get', 'deployments,jobs']).items;
      if (left.length > 0) throw new Error(`the lab's workloads were not pruned: ${left.map((o) => o.metadata.name).join(', ')}`);
      // A pruned claim or volume is not gone at once: the protection finalizers keep it Terminating, with a deletionTimestamp.
      claimAndVolume(kubectl, lab.namespace, lab.claim).forEach((kept, index) => {
        const what = `the lab's ${kept.kind} ${kept.metadata.name}`;
        if (kept.metadata.uid !== before[index].metadata.uid) throw new Error(`${what} was replaced: uid ${before[index].metadata.uid} -> ${kept.metadata.uid}`);
        if (kept.metadata.deletionTimestamp) throw new Error(`${what} is being deleted (deletionTimestamp ${kept.metadata.deletionTimestamp})`);
      });
    });
  } finally {
    for (const dir of [outdir, changedOutdir, otherOutdir]) fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  }
  return { objects: lab.manifests.length, commits, externalIp: externalAddress };
}
