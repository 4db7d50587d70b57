import * as fs from 'fs';
import * as path from 'path';
import { readManifestFolder } from '../lib/manifests/folder';
import { Manifest, objectKey } from '../lib/manifests/manifest';
import { parseYaml } from '../lib/manifests/yaml';
import { PROJECT_ROOT } from '../lib/support/project-root';
import { expectSuccess } from './check';
import { crdEstablished, getJson, Probe, waitFor } from './converge';
import { GitRepository } from './git-repository';
import { LocalCluster, logEnd } from './local-cluster';
import { freePorts } from './processes';

/*
 * Flux, whole: source-controller clones the e2e's Git repository over HTTP on 127.0.0.1 and serves each
 * commit as an artifact (its storage server on 127.0.0.1 too); kustomize-controller builds and applies the
 * folder the Kustomization names. Both built by scripts/install-kube.sh through e2e/tools-v0.36. The GitRepository
 * and Kustomization are deploy/flux/'s, as a user copies them, with only the repository URL changed (and,
 * where a step says so, the Kustomization's name and path).
 */

const FLUX = path.join(PROJECT_ROOT, 'tools', 'flux');
const DEPLOY = path.join(PROJECT_ROOT, 'deploy', 'flux');
const NAMESPACE = 'flux-system';
/** The Kustomization of deploy/flux/kustomization.yaml. */
export const KUSTOMIZATION = 'prometheus-book';

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

interface KustomizationStatus {
  /** The generation of the spec the controller last reconciled: a condition from before a spec change is the old spec's. */
  observedGeneration?: number;
  conditions?: Condition[];
  lastAppliedRevision?: string;
  lastAttemptedRevision?: string;
  lastHandledReconcileAt?: string;
  inventory?: { entries: Array<{ id: string }> };
}

/** Flux on one cluster, following one Git repository. */
export class Flux {
  /** Installs the CRDs, starts both controllers (they stop with the cluster) and applies the GitRepository. */
  public static start(cluster: LocalCluster, repository: GitRepository): Flux {
    expectSuccess(cluster.kubectl(['apply', '--server-side', '-f', path.join(FLUX, 'crds')]), 'apply the Flux CRDs');
    for (const crd of fs.readdirSync(path.join(FLUX, 'crds'))) {
      const name = crd.replace(/\.yaml$/, '').split('_').reverse().join('.');
      waitFor(`CRD ${name} Established`, crdEstablished(cluster.kubectl, name), 60_000);
    }
    expectSuccess(cluster.kubectl(['create', 'namespace', NAMESPACE]), `create namespace ${NAMESPACE}`);
    const env = { KUBECONFIG: cluster.kubeconfig, RUNTIME_NAMESPACE: NAMESPACE };
    // No metrics, health or events listener: nothing but the API server, the Git server and the artifact storage is spoken to.
    const quiet = ['--metrics-addr=0', '--health-addr=0', '--events-addr=', '--log-level=info'];
    const storage = `127.0.0.1:${freePorts(1)[0]}`;
    const artifacts = path.join(cluster.workdir, 'flux-artifacts');
    fs.mkdirSync(artifacts);
    cluster.startServer('source-controller', path.join(FLUX, 'source-controller'), [
      ...quiet, `--storage-path=${artifacts}`, `--storage-addr=${storage}`, `--storage-adv-addr=${storage}`,
    ], env);
    cluster.startServer('kustomize-controller', path.join(FLUX, 'kustomize-controller'), [...quiet, '--requeue-dependency=5s'], env);
    const source = readDeployed('gitrepository.yaml');
    source.spec = { ...(source.spec as object), url: repository.url };
    expectSuccess(cluster.kubectl(['apply', '-f', '-'], JSON.stringify(source)), 'the GitRepository');
    return new Flux(cluster, source.metadata.name);
  }

  private constructor(private readonly cluster: LocalCluster, private readonly source: string) {}

  /** Applies deploy/flux/kustomization.yaml, under another name or path where given. */
  public kustomization(name = KUSTOMIZATION, folder?: string): void {
    const kustomization = readDeployed('kustomization.yaml');
    kustomization.metadata.name = name;
    if (folder) kustomization.spec = { ...(kustomization.spec as object), path: `./${folder}` };
    expectSuccess(this.cluster.kubectl(['apply', '-f', '-'], JSON.stringify(kustomization)), `Kustomization ${name}`);
  }

  /** Has source-controller fetch the repository now (instead of at its interval) and waits until it serves the commit. */
  public fetch(commit: string): string {
    const revision = GitRepository.fluxRevision(commit);
    this.annotateNow('gitrepository', this.source);
    waitFor(`GitRepository at ${revision.slice(0, 18)}`, () => {
      const status = getJson<{ status?: { artifact?: { revision?: string }; conditions?: Condition[] } }>(this.cluster.kubectl,
        ['-n', NAMESPACE, 'get', 'gitrepository', this.source]).status;
      if (status?.artifact?.revision === revision) return undefined;
      const ready = status?.conditions?.find((condition) => condition.type === 'Ready');
      return `artifact ${status?.artifact?.revision ?? '(none)'}; Ready ${ready?.status ?? '(none)'}: ${ready?.message ?? ''}`
        + (ready ? '' : `; source-controller's log ends: ${logEnd(path.join(this.cluster.workdir, 'source-controller.log'), 3).join(' | ')}`);
    }, 120_000);
    return revision;
  }

  /** Waits until the Kustomization is Ready at that revision for its current spec: applied, and Flux's own health checks passed. */
  public waitReady(name: string, revision: string): void {
    waitFor(`Kustomization ${name} Ready at ${revision.slice(0, 18)}`, this.readyAt(name, revision), 240_000);
  }

  /** Waits until the Kustomization has tried the revision and is not Ready; returns its Ready message and what it last applied. */
  public waitFailed(name: string, revision: string): { message: string; lastAppliedRevision?: string } {
    let failed: { message: string; lastAppliedRevision?: string } | undefined;
    waitFor(`Kustomization ${name} refusing ${revision.slice(0, 18)}`, () => {
      const status = this.status(name);
      const ready = status.conditions?.find((condition) => condition.type === 'Ready');
      if (status.lastAttemptedRevision === revision && ready?.status === 'False') {
        failed = { message: ready.message, lastAppliedRevision: status.lastAppliedRevision };
        return undefined;
      }
      return `attempted ${status.lastAttemptedRevision ?? '(none)'}; Ready ${ready?.status ?? '(none)'}: ${ready?.message ?? ''}`;
    }, 120_000);
    return failed as { message: string; lastAppliedRevision?: string };
  }

  /** Suspends or resumes the Kustomization, as `flux suspend/resume kustomization` does. */
  public setSuspended(name: string, suspend: boolean): void {
    expectSuccess(this.cluster.kubectl(['-n', NAMESPACE, 'patch', 'kustomization', name, '--type=merge', '-p', JSON.stringify({ spec: { suspend } })]),
      `${suspend ? 'suspend' : 'resume'} ${name}`);
  }

  /** The objects Flux records as applied by the Kustomization, as "Kind/namespace/name". */
  public inventory(name: string): string[] {
    return (this.status(name).inventory?.entries ?? []).map((entry) => {
      const [namespace, objectName, , kind] = entry.id.split('_');
      return `${kind}/${namespace}/${objectName}`;
    }).sort();
  }

  /** Asks Flux to reconcile now, and waits until it has. */
  public reconcileNow(name: string): void {
    const requestedAt = this.annotateNow('kustomization', name);
    waitFor(`Kustomization ${name} reconciled again`, () => {
      const status = this.status(name);
      const ready = status.conditions?.find((condition) => condition.type === 'Ready');
      return status.lastHandledReconcileAt === requestedAt && ready?.status === 'True' ? undefined : `Ready ${ready?.status} ${ready?.message}`;
    }, 240_000);
  }

  /** `reconcile.fluxcd.io/requestedAt`, which every Flux controller takes as "now, not at the interval". */
  private annotateNow(kind: string, name: string): string {
    const requestedAt = new Date().toISOString();
    expectSuccess(this.cluster.kubectl(['-n', NAMESPACE, 'annotate', '--overwrite', `${kind}/${name}`, `reconcile.fluxcd.io/requestedAt=${requestedAt}`]),
      `reconcile ${kind} ${name}`);
    return requestedAt;
  }

  private readyAt(name: string, revision: string): Probe {
    return () => {
      const { generation, status } = this.read(name);
      const ready = status.conditions?.find((condition) => condition.type === 'Ready');
      const current = status.observedGeneration === generation;
      if (ready?.status === 'True' && status.lastAppliedRevision === revision && current) return undefined;
      return `Ready ${ready?.status ?? '(none)'} ${ready?.reason ?? ''}: ${ready?.message ?? ''}`
        + (current ? '' : ` (for generation ${status.observedGeneration ?? '(none)'}; the spec is at ${generation})`);
    };
  }

  private status(name: string): KustomizationStatus {
    return this.read(name).status;
  }

  private read(name: string): { generation?: number; status: KustomizationStatus } {
    const object = getJson<{ metadata: { generation?: number }; status?: KustomizationStatus }>(this.cluster.kubectl,
      ['-n', NAMESPACE, 'get', 'kustomization', name]);
    return { generation: object.metadata.generation, status: object.status ?? {} };
  }
}

/** The objects of a folder as Flux's inventory names them. */
export function folderInventory(folder: string): string[] {
  return readManifestFolder(folder).map((manifest: Manifest) => objectKey(manifest)).sort();
}

function readDeployed(file: string): Manifest {
  return parseYaml(fs.readFileSync(path.join(DEPLOY, file), 'utf8')) as Manifest;
}
