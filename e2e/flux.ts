import { createHash } from 'crypto';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Manifest, objectKey } from '../lib/manifests/manifest';
import { readManifestFolder } from '../lib/manifests/folder';
import { sleepSync } from './processes';
import { PROJECT_ROOT } from '../lib/support/project-root';
import { expectSuccess } from './check';
import { getJson, Probe, waitFor } from './converge';
import { LocalCluster } from './local-cluster';

/*
 * Flux's kustomize-controller (built by scripts/install-kube.sh through e2e/flux) against the e2e's
 * control plane. No source-controller runs: each folder is published as a tar.gz served on 127.0.0.1 by
 * test/fixtures/static-server.js, and an ExternalArtifact (feature gate ExternalArtifact=true) whose status
 * points at it is the Kustomization's source, as a source-controller would write it.
 */

const FLUX = path.join(PROJECT_ROOT, 'tools', 'flux');
const NAMESPACE = 'flux-system';
const STATIC_SERVER = path.join(PROJECT_ROOT, 'test', 'fixtures', 'static-server.js');

interface KustomizationStatus {
  conditions?: Array<{ type: string; status: string; reason: string; message: string }>;
  lastAppliedRevision?: string;
  lastHandledReconcileAt?: string;
  inventory?: { entries: Array<{ id: string }> };
}

/** Flux on one cluster: publishes folders and reconciles Kustomizations of them. */
export class Flux {
  /** Installs the CRDs, starts the artifact server and the controller; both stop with the cluster. */
  public static start(cluster: LocalCluster): Flux {
    expectSuccess(cluster.kubectl(['apply', '--server-side', '-f', path.join(FLUX, 'crds')]), 'apply the Flux CRDs');
    for (const crd of fs.readdirSync(path.join(FLUX, 'crds'))) {
      const name = crd.replace(/\.yaml$/, '').split('_').reverse().join('.');
      expectSuccess(cluster.kubectl(['wait', '--for=condition=Established', `crd/${name}`, '--timeout=60s']), `CRD ${name}`);
    }
    expectSuccess(cluster.kubectl(['create', 'namespace', NAMESPACE]), `create namespace ${NAMESPACE}`);
    const artifacts = path.join(cluster.workdir, 'artifacts');
    fs.mkdirSync(artifacts);
    cluster.startServer('artifacts', process.execPath, [STATIC_SERVER, artifacts]);
    cluster.startServer('kustomize-controller', path.join(FLUX, 'kustomize-controller'), [
      // No metrics or health listener at all: nothing but the API server is spoken to.
      '--metrics-addr=0', '--health-addr=0', '--feature-gates=ExternalArtifact=true', '--log-level=info', '--requeue-dependency=5s',
    ], { KUBECONFIG: cluster.kubeconfig, RUNTIME_NAMESPACE: NAMESPACE });
    return new Flux(cluster, artifacts, waitForPort(path.join(cluster.workdir, 'artifacts.log')));
  }

  private published = 0;

  private constructor(private readonly cluster: LocalCluster, private readonly artifacts: string, private readonly port: number) {}

  /**
   * Publishes the folder as the artifact `name` and makes the Kustomization `name` (prune, wait) reconcile
   * it; returns the revision to wait for.
   */
  public publish(name: string, folder: string): string {
    this.published += 1;
    const file = `${name}-${this.published}.tar.gz`;
    execFileSync('tar', ['-czf', path.join(this.artifacts, file), '-C', folder, '.']);
    const bytes = fs.readFileSync(path.join(this.artifacts, file));
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    const revision = `latest@${digest}`;
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const kubectl = this.cluster.kubectl;
    expectSuccess(kubectl(['apply', '-f', '-'], JSON.stringify({
      apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'ExternalArtifact', metadata: { name, namespace: NAMESPACE }, spec: {},
    })), `ExternalArtifact ${name}`);
    const status = {
      artifact: { url: `http://127.0.0.1:${this.port}/${file}`, path: file, revision, digest, lastUpdateTime: now, size: bytes.length },
      conditions: [{ type: 'Ready', status: 'True', reason: 'Succeeded', message: `published ${file}`, lastTransitionTime: now }],
    };
    expectSuccess(kubectl(['-n', NAMESPACE, 'patch', 'externalartifact', name, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })]),
      `status of ExternalArtifact ${name}`);
    expectSuccess(kubectl(['apply', '-f', '-'], JSON.stringify({
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name, namespace: NAMESPACE },
      spec: { interval: '10m', path: './', prune: true, wait: true, timeout: '3m', sourceRef: { kind: 'ExternalArtifact', name } },
    })), `Kustomization ${name}`);
    return revision;
  }

  /** Waits until the Kustomization is Ready at that revision: applied, and Flux's own health checks passed. */
  public waitReady(name: string, revision: string): void {
    waitFor(`Kustomization ${name} Ready at ${revision.slice(0, 20)}`, this.readyAt(name, revision), 240_000);
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
    const requestedAt = new Date().toISOString();
    expectSuccess(this.cluster.kubectl(['-n', NAMESPACE, 'annotate', '--overwrite', `kustomization/${name}`,
      `reconcile.fluxcd.io/requestedAt=${requestedAt}`]), `reconcile ${name}`);
    waitFor(`Kustomization ${name} reconciled again`, () => {
      const status = this.status(name);
      const ready = status.conditions?.find((condition) => condition.type === 'Ready');
      return status.lastHandledReconcileAt === requestedAt && ready?.status === 'True' ? undefined : `Ready ${ready?.status} ${ready?.message}`;
    }, 240_000);
  }

  private readyAt(name: string, revision: string): Probe {
    return () => {
      const status = this.status(name);
      const ready = status.conditions?.find((condition) => condition.type === 'Ready');
      if (ready?.status === 'True' && status.lastAppliedRevision === revision) return undefined;
      return `Ready ${ready?.status ?? '(none)'} ${ready?.reason ?? ''}: ${ready?.message ?? ''}`;
    };
  }

  private status(name: string): KustomizationStatus {
    return getJson<{ status?: KustomizationStatus }>(this.cluster.kubectl, ['-n', NAMESPACE, 'get', 'kustomization', name]).status ?? {};
  }
}

/** The objects of a folder as Flux's inventory names them. */
export function folderInventory(folder: string): string[] {
  return readManifestFolder(folder).map((manifest: Manifest) => objectKey(manifest)).sort();
}

/** The port static-server.js printed first into its log. */
function waitForPort(log: string): number {
  for (let waited = 0; waited < 10_000; waited += 50) {
    const port = Number(/^(\d+)$/m.exec(fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '')?.[1]);
    if (port) return port;
    sleepSync(50);
  }
  throw new Error(`the artifact server printed no port: ${fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : 'no log'}`);
}
