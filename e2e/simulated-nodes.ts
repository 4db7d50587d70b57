import { ChildProcess } from 'child_process';
import * as path from 'path';
import { TOOLS_BIN } from '../lib/helm/helm-binary';
import { PROJECT_ROOT } from '../lib/support/project-root';
import { controllersFlag, Release } from './releases';

/** The range kwok hands pod addresses from (its --cidr). */
export const POD_CIDR = '10.244.0.0/16';

/** One node for kwok to simulate. */
export interface SimulatedNode {
  /** Node name. */
  readonly name: string;
  /** Allocatable CPU, a quantity such as "2". */
  readonly cpu: string;
  /** Allocatable memory, a quantity such as "3072Mi". */
  readonly memory: string;
  /** Carries the control-plane role and the NoSchedule taint kubeadm has set since 1.25. */
  readonly controlPlane?: boolean;
  /** The node's InternalIP: its host-network pods' address. */
  readonly internalIp: string;
}

/** The book's Vagrant lab: m-k8s is the control plane, w1-k8s to w3-k8s are the workers. */
export const BOOK_LAB_NODES: readonly SimulatedNode[] = [
  { name: 'm-k8s', cpu: '2', memory: '3072Mi', controlPlane: true, internalIp: '192.168.1.10' },
  { name: 'w1-k8s', cpu: '1', memory: '2560Mi', internalIp: '192.168.1.101' },
  { name: 'w2-k8s', cpu: '1', memory: '2560Mi', internalIp: '192.168.1.102' },
  { name: 'w3-k8s', cpu: '1', memory: '2560Mi', internalIp: '192.168.1.103' },
];

/** The taint kubeadm puts on control-plane nodes. */
const CONTROL_PLANE_TAINT = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };
const KWOK_ANNOTATION = 'kwok.x-k8s.io/node';
/** Read by e2e/kwok-stages.yaml: the address kwok reports for the node. */
const INTERNAL_IP_ANNOTATION = 'e2e.prometheus-book/internal-ip';
/** kwok's configuration: the stages that stand in for the kubelet. */
const KWOK_STAGES = path.join(PROJECT_ROOT, 'e2e', 'kwok-stages.yaml');

type StartServer = (name: string, executable: string, args: string[]) => ChildProcess;

/**
 * kube-controller-manager and kube-scheduler of the pinned release, and kwok, which makes the nodes
 * it manages Ready and moves their pods through kwok's default stages (pods run; pods of Jobs
 * complete). Every server binds 127.0.0.1 or nothing.
 */
export function startNodeSimulation(dir: string, kubeconfig: string, release: Release, start: StartServer): ChildProcess[] {
  return [
    start('kube-controller-manager', path.join(release.bin, 'kube-controller-manager'), [
      `--kubeconfig=${kubeconfig}`, '--leader-elect=false', '--bind-address=127.0.0.1', '--secure-port=0',
      `--service-account-private-key-file=${path.join(dir, 'sa.key')}`, `--root-ca-file=${path.join(dir, 'ca.crt')}`,
      '--use-service-account-credentials=false', controllersFlag(release),
      // kwok renews the simulated nodes' leases; when the machine is busy (the e2e runs several control planes
      // side by side) a renewal can come late. A node marked NotReady marks its pods unready, and kwok, which
      // only makes new pods ready, never makes them ready again: so give the leases five minutes, not 40 s.
      '--node-monitor-grace-period=300s', '--v=0',
    ]),
    start('kube-scheduler', path.join(release.bin, 'kube-scheduler'), [
      `--kubeconfig=${kubeconfig}`, '--leader-elect=false', '--bind-address=127.0.0.1', '--secure-port=0', '--v=0',
    ]),
    start('kwok', path.join(TOOLS_BIN, 'kwok'), [
      `--kubeconfig=${kubeconfig}`, `--config=${KWOK_STAGES}`,
      `--manage-nodes-with-annotation-selector=${KWOK_ANNOTATION}=fake`,
      '--node-lease-duration-seconds=40', `--cidr=${POD_CIDR}`, '--node-ip=127.0.0.1',
    ]),
  ];
}

type Kubectl = (args: readonly string[], input?: string) => { status: number | null; stdout: string; stderr: string };

/** Creates the nodes and waits until kwok reports them Ready and the default service account exists. */
export async function addNodes(kubectl: Kubectl, nodes: readonly SimulatedNode[], failure: () => Error | undefined): Promise<void> {
  const created = kubectl(['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: nodes.map(nodeObject) }));
  if (created.status !== 0) throw new Error(`creating the simulated nodes failed: ${created.stderr}`);
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    const problem = failure();
    if (problem) throw problem;
    const ready = kubectl(['get', 'nodes', '-o', 'jsonpath={range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}']);
    const serviceAccount = kubectl(['get', 'serviceaccount', 'default', '-o', 'name']);
    if (ready.stdout.trim().split('\n').filter((status) => status === 'True').length === nodes.length && serviceAccount.status === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`the simulated nodes were not Ready after 90s:\n${kubectl(['get', 'nodes', '-o', 'wide']).stdout}`);
}

function nodeObject(node: SimulatedNode): object {
  // The book gives CPU and memory, not disk: a Vagrant box's root disk of some tens of GiB, of which the
  // kubelet offers most as ephemeral storage. Pods that ask for ephemeral storage need some to fit.
  const resources = { 'cpu': node.cpu, 'memory': node.memory, 'ephemeral-storage': '30Gi', 'pods': '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: node.name,
      annotations: { [KWOK_ANNOTATION]: 'fake', 'node.alpha.kubernetes.io/ttl': '0', [INTERNAL_IP_ANNOTATION]: node.internalIp },
      labels: {
        'kubernetes.io/hostname': node.name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', type: 'kwok',
        ...(node.controlPlane ? { 'node-role.kubernetes.io/control-plane': '' } : {}),
      },
    },
    spec: node.controlPlane ? { taints: [CONTROL_PLANE_TAINT] } : {},
    status: { allocatable: resources, capacity: resources },
  };
}
