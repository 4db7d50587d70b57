import * as fs from 'fs';
import * as path from 'path';
import { parseDocuments } from '../lib/manifests/yaml';
import { Manifest } from '../lib/manifests/manifest';
import { POD_SECURITY_ENFORCE_LABEL } from '../lib/manifests/metadata';
import { PROJECT_ROOT } from '../lib/support/project-root';
import { expectSuccess } from './check';
import { crdEstablished, getJson, Probe, waitFor } from './converge';
import { LocalCluster, logEnd } from './local-cluster';

/*
 * MetalLB, the book's prerequisite, for real: its controller and speaker of go.universe.tf/metallb (built by
 * scripts/install-kube.sh into tools/metallb/), outside the cluster as processes, each with a kubeconfig of
 * its own ServiceAccount's token, under the RBAC MetalLB's own manifests give it. Its CRDs and RBAC are the
 * module's own files, copied beside the binaries by the same build (nothing of MetalLB is committed); the
 * namespace is metallb-system, as its manifests name it. Left out: the controller's validating webhook (it
 * needs a TLS endpoint the API server could call; `--webhook-mode=disabled`), memberlist (the speakers elect
 * the announcing node from the node list alone), and the containers: MetalLB's own controller Deployment is
 * applied and kwok runs its pod, whose name the controller process is given (it reads its pod). The
 * controller's health and metrics listeners bind every address of its network namespace, so a part that runs
 * it runs in a network namespace of its own (e2e/run.ts).
 */

const METALLB = path.join(PROJECT_ROOT, 'tools', 'metallb');
const METALLB_NAMESPACE = 'metallb-system';
/** The book's address range for LoadBalancer Services (chapter 6.2.1: the UI at its first, 192.168.1.11). */
export const LAB_ADDRESS_RANGE = '192.168.1.11-192.168.1.49';
/** The address the book's Prometheus Service gets: the range's first. */
export const LAB_LOAD_BALANCER_ADDRESS = '192.168.1.11';
const POOL = 'lab-pool';
/** The controller's name as a server of the cluster: its log is `<name>.log` in the cluster's folder. */
const CONTROLLER = 'metallb-controller';
const ADVERTISEMENT = 'lab-l2';

/** The release scripts/install-kube.sh built, as its stamp says: "v0.16.1". */
export function metalLbVersion(): string {
  return /^metallb (v[0-9.]+)/.exec(fs.readFileSync(path.join(METALLB, '.built'), 'utf8'))?.[1] ?? 'unknown';
}

/** The objects of the YAML files of a folder of MetalLB's, each in metallb-system where it is namespaced (as its kustomization puts them). */
function metalLbObjects(folder: string): Manifest[] {
  const dir = path.join(METALLB, folder);
  return fs.readdirSync(dir).sort().flatMap((file) => parseDocuments(fs.readFileSync(path.join(dir, file), 'utf8')))
    .map((document) => document.value as Manifest)
    .filter((object) => object?.kind)
    .map((object) => {
      const namespaced = ['ServiceAccount', 'Role', 'RoleBinding', 'Deployment', 'DaemonSet'].includes(object.kind);
      // The bindings' subjects are the ServiceAccounts, which the kustomization puts in the namespace too.
      const subjects = object.subjects?.map((subject) => ({ ...subject, namespace: METALLB_NAMESPACE }));
      const metadata = { ...object.metadata, ...(namespaced ? { namespace: METALLB_NAMESPACE } : {}) };
      return { ...object, metadata, ...(subjects ? { subjects } : {}) };
    });
}

/** The name of the Running pod of MetalLB's workload (component controller or speaker), on the node where given. */
function runningPod(cluster: LocalCluster, component: string, nodeName?: string): string {
  let name = '';
  waitFor(`MetalLB's ${component} pod${nodeName ? ` on ${nodeName}` : ''} Running`, () => {
    const pods = getJson<{ items: Array<{ metadata: { name: string }; spec: { nodeName?: string }; status?: { phase?: string } }> }>(cluster.kubectl,
      ['-n', METALLB_NAMESPACE, 'get', 'pods', '-l', `app=metallb,component=${component}`]).items
      .filter((pod) => pod.status?.phase === 'Running' && (!nodeName || pod.spec.nodeName === nodeName));
    name = pods[0]?.metadata.name ?? '';
    return name ? undefined : 'none Running yet';
  }, 120_000);
  return name;
}

interface Kubeconfig {
  clusters: Array<{ cluster: { server: string } }>;
  users: Array<{ user: { token: string } }>;
}

/** MetalLB on one cluster: its CRDs, RBAC and controller; the address pool and L2 advertisement when asked. */
export class MetalLb {
  /** Applies MetalLB's CRDs, namespace and RBAC, and starts its controller (stopped with the cluster). No pool yet. */
  public static start(cluster: LocalCluster): MetalLb {
    // Its controller and speakers listen on every address of their namespace: only ever one the e2e made (not its parent's).
    if (fs.readlinkSync('/proc/self/ns/net') === fs.readlinkSync(`/proc/${process.ppid}/ns/net`)) {
      throw new Error('MetalLB listens on every address: run the part in a network namespace of its own (`unshare --net`), as npm run e2e does');
    }
    const { kubectl } = cluster;
    expectSuccess(kubectl(['apply', '--server-side', '-f', path.join(METALLB, 'crds')]), 'apply the MetalLB CRDs');
    for (const crd of ['ipaddresspools.metallb.io', 'l2advertisements.metallb.io']) waitFor(`CRD ${crd} Established`, crdEstablished(kubectl, crd), 60_000);
    const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: METALLB_NAMESPACE } };
    const controller = metalLbObjects('controllers').filter((object) => object.kind === 'Deployment');
    expectSuccess(kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [namespace, ...metalLbObjects('rbac'), ...controller] })),
      'MetalLB\'s namespace, ServiceAccounts, RBAC and controller Deployment');
    const metallb = new MetalLb(cluster);
    // The controller reads its own pod (the owner of the state it records): the Deployment's, which kwok runs.
    cluster.startServer(CONTROLLER, path.join(METALLB, 'controller'), [
      `--namespace=${METALLB_NAMESPACE}`, `--pod-name=${runningPod(cluster, 'controller')}`, '--webhook-mode=disabled', '--port=0', '--log-level=info',
    ], { KUBECONFIG: metallb.serviceAccountKubeconfig('controller') });
    return metallb;
  }

  private constructor(private readonly cluster: LocalCluster) {}

  /** The book's pool (192.168.1.11-192.168.1.49) and an L2Advertisement of it, as MetalLB's docs write them. */
  public addLabPool(): void {
    const objects = [
      { apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata: { name: POOL, namespace: METALLB_NAMESPACE }, spec: { addresses: [LAB_ADDRESS_RANGE] } },
      { apiVersion: 'metallb.io/v1beta1', kind: 'L2Advertisement', metadata: { name: ADVERTISEMENT, namespace: METALLB_NAMESPACE }, spec: { ipAddressPools: [POOL] } },
    ];
    expectSuccess(this.cluster.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects })),
      `IPAddressPool ${POOL} (${LAB_ADDRESS_RANGE}) and L2Advertisement ${ADVERTISEMENT}`);
  }

  /**
   * Starts a speaker for each node inside that node's network namespace (`netns`, a path nsenter takes), and waits
   * until each has read every node. The speaker reads its own pod: MetalLB's speaker DaemonSet is applied first, its
   * namespace labelled privileged as MetalLB's own manifest labels it (the speaker's pods use their node's network),
   * and kwok runs a pod of it on each node. Its health listener takes a free port on the namespace's loopback.
   * Why the wait: a speaker elects the announcing node among the nodes it knows when it reprocesses the Services, and
   * a node it learns of later starts no new election; a speaker that reprocessed knowing only some nodes can elect a
   * node whose own speaker elected another, and then no node answers for the address (a CI run failed so, under load).
   * With every node known before the pool exists, the pool's arrival makes each speaker elect from the whole list.
   */
  public startSpeakers(nodes: ReadonlyArray<{ readonly name: string; readonly netns: string }>, apiServer: string): void {
    expectSuccess(this.cluster.kubectl(['label', '--overwrite', 'namespace', METALLB_NAMESPACE, `${POD_SECURITY_ENFORCE_LABEL}=privileged`]),
      'label MetalLB\'s namespace privileged');
    const speakers = metalLbObjects('controllers').filter((object) => object.kind === 'DaemonSet');
    expectSuccess(this.cluster.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: speakers })), 'MetalLB\'s speaker DaemonSet');
    for (const node of nodes) {
      this.cluster.startServer(speakerLogName(node.name), 'nsenter', [`--net=${node.netns}`, path.join(METALLB, 'speaker'),
        `--namespace=${METALLB_NAMESPACE}`, `--node-name=${node.name}`, `--pod-name=${runningPod(this.cluster, 'speaker', node.name)}`,
        '--port=0', '--health-probe-port=0', '--log-level=info',
      ], { KUBECONFIG: this.serviceAccountKubeconfig('speaker', apiServer), METALLB_NODE_NAME: node.name });
    }
    waitFor(`MetalLB's speakers each read the ${nodes.length} nodes`, () => {
      const unread = nodes.flatMap((speaker) => {
        const log = this.speakerLog(speaker.name);
        // The speaker's NodeReconciler logs the end of each node's first reconcile at info level.
        const missing = nodes.filter((node) => !log.includes(`"controller":"NodeReconciler","end reconcile":"/${node.name}"`)).map((node) => node.name);
        return missing.length === 0 ? [] : [`${speaker.name}'s speaker has not read ${missing.join(', ')}`];
      });
      return unread.length === 0 ? undefined : unread.join('; ');
    }, 60_000);
  }

  /** The speakers' log lines about the Service ("namespace/name") or announcing, for a failure's message. */
  public speakerLinesAbout(service: string, nodeNames: readonly string[]): string {
    return nodeNames.map((name) => `${name}'s speaker: ${this.speakerLog(name).split('\n')
      .filter((line) => line.includes(service) || /announce|"level":"error"/i.test(line)).slice(-6).join(' | ') || '(nothing)'}`).join('\n');
  }

  private speakerLog(nodeName: string): string {
    const log = path.join(this.cluster.workdir, `${speakerLogName(nodeName)}.log`);
    return fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '';
  }

  /** A kubeconfig of the ServiceAccount's token, to the API server at `server` (default: the admin kubeconfig's). */
  private serviceAccountKubeconfig(account: string, server?: string): string {
    const config = JSON.parse(fs.readFileSync(this.cluster.kubeconfig, 'utf8')) as Kubeconfig;
    const token = expectSuccess(this.cluster.kubectl(['-n', METALLB_NAMESPACE, 'create', 'token', account, '--duration=24h']), `a token of ${account}`).trim();
    config.users[0].user = { token };
    if (server) config.clusters[0].cluster.server = server;
    const file = path.join(this.cluster.workdir, `metallb-${account}${server ? `-${server.replace(/\W+/g, '_')}` : ''}.kubeconfig`);
    fs.writeFileSync(file, JSON.stringify(config, null, 2), { mode: 0o600 });
    return file;
  }
}

/** A speaker's name as a server of the cluster: its log is `<name>.log` in the cluster's folder. */
function speakerLogName(nodeName: string): string {
  return `metallb-speaker-${nodeName}`;
}

interface ServiceStatus {
  metadata: { name: string };
  status?: { loadBalancer?: { ingress?: Array<{ ip?: string }> } };
}

/** The Service's EXTERNAL-IP as `kubectl get service` shows it: its load balancer's address, else "<pending>". */
export function externalIp(cluster: LocalCluster, namespace: string, service: string): string {
  const found = getJson<ServiceStatus>(cluster.kubectl, ['-n', namespace, 'get', 'service', service]);
  return found.status?.loadBalancer?.ingress?.map((ingress) => ingress.ip).join(',') || '<pending>';
}

/** The Service has the address from MetalLB. */
export function hasExternalIp(cluster: LocalCluster, namespace: string, service: string, address = LAB_LOAD_BALANCER_ADDRESS): Probe {
  return () => {
    const found = externalIp(cluster, namespace, service);
    return found === address ? undefined : `EXTERNAL-IP ${found}; MetalLB's controller's log ends: ${controllerLogEnd(cluster)}`;
  };
}

/**
 * MetalLB's controller has looked at the Service ("namespace/name") and given it no address, as its log
 * says: without a pool it logs "failed to handle service" and records no event.
 */
export function notHandled(cluster: LocalCluster, service: string): Probe {
  return () => {
    const log = path.join(cluster.workdir, `${CONTROLLER}.log`);
    const failed = (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n') : [])
      .some((line) => line.includes('"event":"failed to handle service"') && line.includes(`"name":"${service}"`));
    return failed ? undefined : `MetalLB's controller has not refused ${service} yet; its log ends: ${controllerLogEnd(cluster)}`;
  };
}

function controllerLogEnd(cluster: LocalCluster): string {
  return logEnd(path.join(cluster.workdir, `${CONTROLLER}.log`), 5).join(' | ');
}
