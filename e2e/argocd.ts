import * as fs from 'fs';
import * as path from 'path';
import { Manifest } from '../lib/manifests/manifest';
import { parseYaml } from '../lib/manifests/yaml';
import { PROJECT_ROOT } from '../lib/support/project-root';
import { expectSuccess } from './check';
import { crdEstablished, getJson, waitFor } from './converge';
import { LocalCluster } from './local-cluster';
import { freePorts } from './processes';

/*
 * Argo CD's own application controller and repo server (one argo-cd binary, named for the role it runs;
 * built by scripts/install-kube.sh through e2e/tools-v0.34), outside the cluster as argo-cd's Procfile runs them
 * for local development (ARGOCD_FAKE_IN_CLUSTER with a kubeconfig), with Debian's redis-server as their
 * cache. The controller's metrics listener binds every address of its network namespace (argo-cd writes
 * 0.0.0.0 into it), so this part of the e2e runs in a network namespace of its own (e2e/run.ts): every
 * address there is this part's loopback. The Application is deploy/argocd/application.yaml with only the
 * repository URL changed (and, where a step says so, its path).
 */

const ARGOCD = path.join(PROJECT_ROOT, 'tools', 'argocd');
const DEPLOY = path.join(PROJECT_ROOT, 'deploy', 'argocd', 'application.yaml');
const NAMESPACE = 'argocd';
/** The release e2e/tools-v0.34 pins and builds, as its go.mod requires it: "v3.2.11". */
export function argoCdVersion(): string {
  const goMod = fs.readFileSync(path.join(PROJECT_ROOT, 'e2e', 'tools-v0.34', 'go.mod'), 'utf8');
  return /^\s*github\.com\/argoproj\/argo-cd\/v3 (v[0-9.]+)/m.exec(goMod)?.[1] ?? 'unknown';
}
/** The Application of deploy/argocd/application.yaml. */
export const APPLICATION = 'prometheus-book';

/** One object of a sync, as the operation's result lists it, in the order Argo CD synced them. */
export interface SyncedResource {
  kind: string;
  namespace?: string;
  name: string;
  status: string;
  syncPhase?: string;
}

export interface ApplicationStatus {
  sync?: { status?: string; revision?: string };
  health?: { status?: string; message?: string };
  operationState?: { phase?: string; message?: string; syncResult?: { revision?: string; resources?: SyncedResource[] } };
  conditions?: Array<{ type: string; message: string }>;
  resources?: Array<{ kind: string; name: string; status?: string; health?: { status?: string } }>;
}

export class ArgoCd {
  /** Installs the CRDs, Argo CD's settings and the default project; starts redis, the repo server and the controller. */
  public static start(cluster: LocalCluster): ArgoCd {
    const { kubectl } = cluster;
    expectSuccess(kubectl(['apply', '--server-side', '-f', path.join(ARGOCD, 'crds')]), 'apply the Argo CD CRDs');
    for (const crd of ['applications.argoproj.io', 'appprojects.argoproj.io']) waitFor(`CRD ${crd} Established`, crdEstablished(kubectl, crd), 60_000);
    expectSuccess(kubectl(['create', 'namespace', NAMESPACE]), `create namespace ${NAMESPACE}`);
    const partOf = { 'app.kubernetes.io/part-of': 'argocd' };
    const settings = [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'argocd-cm', namespace: NAMESPACE, labels: partOf }, data: {} },
      {
        apiVersion: 'v1', kind: 'Secret', metadata: { name: 'argocd-secret', namespace: NAMESPACE, labels: partOf },
        stringData: { 'server.secretkey': 'e2e-only-not-a-secret' },
      },
      {
        apiVersion: 'argoproj.io/v1alpha1', kind: 'AppProject', metadata: { name: 'default', namespace: NAMESPACE },
        spec: { sourceRepos: ['*'], destinations: [{ server: '*', namespace: '*' }], clusterResourceWhitelist: [{ group: '*', kind: '*' }] },
      },
    ];
    expectSuccess(kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: settings })), 'Argo CD settings');

    const [redis, repoServer, repoMetrics, controllerMetrics] = freePorts(4);
    cluster.startServer('redis', 'redis-server', ['--bind', '127.0.0.1', '--port', String(redis), '--save', '', '--appendonly', 'no']);
    const binary = path.join(ARGOCD, 'argocd');
    const common = [`--redis=127.0.0.1:${redis}`, '--loglevel=info'];
    // The repo server's folders, which its image keeps under /app/config; no GnuPG (no signed commits here).
    const home = path.join(cluster.workdir, 'argocd-repo-server');
    for (const dir of ['tmp', 'tls', 'ssh', 'gpg-keys', 'gpg-source']) fs.mkdirSync(path.join(home, dir), { recursive: true });
    cluster.startServer('argocd-repo-server', binary, [
      ...common, '--address=127.0.0.1', `--port=${repoServer}`, '--metrics-address=127.0.0.1', `--metrics-port=${repoMetrics}`, '--disable-tls',
    ], {
      ARGOCD_BINARY_NAME: 'argocd-repo-server', TMPDIR: path.join(home, 'tmp'), ARGOCD_GPG_ENABLED: 'false',
      ARGOCD_TLS_DATA_PATH: path.join(home, 'tls'), ARGOCD_SSH_DATA_PATH: path.join(home, 'ssh'),
      ARGOCD_GNUPGHOME: path.join(home, 'gpg-keys'), ARGOCD_GPG_DATA_PATH: path.join(home, 'gpg-source'),
    });
    cluster.startServer('argocd-application-controller', binary, [
      ...common, `--repo-server=127.0.0.1:${repoServer}`, '--repo-server-plaintext', `--metrics-port=${controllerMetrics}`, `--namespace=${NAMESPACE}`,
      // selfHeal's first attempt 10 s after a drift instead of 2 s: under the suite's load a selfHeal sync of the two
      // Deployments right after the first sync once replaced that sync's result, which the wave check reads,
      // before a poll saw it. selfHeal itself is still checked.
      '--status-processors=4', '--operation-processors=2', '--self-heal-backoff-timeout-seconds=10',
      // Each object's health in the Application's status, as Argo CD 2 kept it (3 keeps it in redis only): the checks
      // read which object holds the Application back, with kubectl, as a user of either would.
      '--persist-resource-health',
    ], { ARGOCD_BINARY_NAME: 'argocd-application-controller', ARGOCD_FAKE_IN_CLUSTER: 'true', KUBECONFIG: cluster.kubeconfig });
    return new ArgoCd(cluster);
  }

  /** The resources of each sync operation seen to succeed, by revision, the first of each kept (later ones may sync a few objects only). */
  private readonly firstSyncs = new Map<string, SyncedResource[]>();

  private constructor(private readonly cluster: LocalCluster) {}

  /** The objects the first successful sync of the commit synced, in its order, as its operation's result listed them. */
  public firstSyncOf(commit: string): SyncedResource[] {
    return this.firstSyncs.get(commit) ?? [];
  }

  /** Applies deploy/argocd/application.yaml with the repository URL, and the path where given. */
  public application(repositoryUrl: string, folder?: string): void {
    const application = parseYaml(fs.readFileSync(DEPLOY, 'utf8')) as Manifest & { spec: { source: Record<string, unknown> } };
    application.spec.source = { ...application.spec.source, repoURL: repositoryUrl, ...(folder ? { path: folder } : {}) };
    expectSuccess(this.cluster.kubectl(['apply', '-f', '-'], JSON.stringify(application)), `Application ${APPLICATION}`);
  }

  /** Has the controller look at the repository now (a hard refresh), not at its next poll. */
  public refresh(): void {
    expectSuccess(this.cluster.kubectl(['-n', NAMESPACE, 'annotate', '--overwrite', `application/${APPLICATION}`, 'argocd.argoproj.io/refresh=hard']),
      'refresh the Application');
  }

  /** Waits until the last sync ran at the commit and succeeded, and the Application is Healthy and, where asked, Synced. */
  public waitSynced(commit: string, synced = true, timeoutMs = 300_000): ApplicationStatus {
    let found: ApplicationStatus = {};
    waitFor(`Application ${APPLICATION} synced at ${commit.slice(0, 10)}${synced ? ', Synced and Healthy' : ''}`, () => {
      found = this.status();
      const operation = found.operationState;
      const done = operation?.phase === 'Succeeded' && operation.syncResult?.revision === commit;
      if (done && !this.firstSyncs.has(commit)) this.firstSyncs.set(commit, operation.syncResult?.resources ?? []);
      const healthy = found.health?.status === 'Healthy';
      if (done && healthy && (!synced || (found.sync?.status === 'Synced' && found.sync.revision === commit))) return undefined;
      return `sync ${found.sync?.status} at ${found.sync?.revision?.slice(0, 10)}, health ${found.health?.status} ${found.health?.message ?? ''}, `
        + `operation ${operation?.phase} at ${operation?.syncResult?.revision?.slice(0, 10)}: ${operation?.message ?? ''} `
        + `${(found.conditions ?? []).map((condition) => `${condition.type}: ${condition.message}`).join('; ')}`
        + ` out of sync: ${(found.resources ?? []).filter((r) => r.status !== 'Synced').map((r) => `${r.kind}/${r.name}`).join(', ')}`;
    }, timeoutMs);
    return found;
  }

  /** Waits until the sync at the commit has succeeded and the Application is Progressing. */
  public waitProgressing(commit: string, timeoutMs = 300_000): void {
    waitFor(`Application ${APPLICATION} synced at ${commit.slice(0, 10)} and Progressing`, () => {
      const found = this.status();
      const operation = found.operationState;
      if (operation?.phase === 'Succeeded' && operation.syncResult?.revision === commit && found.health?.status === 'Progressing') return undefined;
      return `health ${found.health?.status} ${found.health?.message ?? ''}, operation ${operation?.phase} at ${operation?.syncResult?.revision?.slice(0, 10)}`;
    }, timeoutMs);
  }

  public status(): ApplicationStatus {
    return getJson<{ status?: ApplicationStatus }>(this.cluster.kubectl, ['-n', NAMESPACE, 'get', 'application', APPLICATION]).status ?? {};
  }
}
