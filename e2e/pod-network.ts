import { ChildProcess, spawnSync } from 'child_process';
import * as fs from 'fs';
import { waitFor } from './converge';
import { sleepSync, system } from './processes';
import { POD_CIDR, SimulatedNode } from './simulated-nodes';
import { StoredPod } from './stored-pod';
import { childPid, endProcess, readComm, spawnTied, stopProcess } from './tied-processes';

/*
 * The pods' network, as a CNI plugin and the container runtime's sandboxes would make it: a bridge of the e2e's own
 * in the part's network namespace (m-k8s, at the control plane's address), a network namespace per pod with the
 * address kwok gave it on a veth pair into the bridge, and one per worker node with its InternalIP, which its
 * host-network pods share. Each namespace is held by a process (a holder) for as long as it lives.
 */

/** The bridge every pod's network namespace is plugged into. */
const BRIDGE = 'lab0';

/** A process (`sleep`, under tied-to-parent.sh) that holds namespaces for as long as it lives. */
export interface Holder {
  readonly launcher: ChildProcess;
  /** The `sleep` itself: the pid nsenter enters. */
  readonly pid: number;
  /** The bridge's end of the veth pair into its network namespace, where it has one of its own. */
  readonly link?: string;
  /** That network namespace, as /proc/<pid>/ns/net names it (`net:[inode]`). */
  readonly netns?: string;
}

/** True when this network namespace has nothing but a loopback: a fresh one, made for this part (`unshare --net`). */
function inFreshNetworkNamespace(): boolean {
  return system('ip', ['-o', 'link', 'show']).trim().split('\n').every((line) => /^\d+: lo:/.test(line));
}

export class PodNetwork {
  /** Per worker node, the process holding its network namespace (m-k8s is this process's own). */
  private readonly nodeNamespaces = new Map<string, Holder>();
  private readonly holders: Holder[] = [];
  private interfaces = 0;

  /** @param nodes the simulated nodes; the control-plane node is this network namespace */
  constructor(private readonly nodes: readonly SimulatedNode[]) {}

  /** The bridge with the control plane's address and a route to the pods: once per network namespace. */
  static create(controlPlaneAddress: string): void {
    if (!inFreshNetworkNamespace()) throw new Error('the pod runner needs a network namespace of its own: run the part under `unshare --net`');
    system('ip', ['link', 'add', BRIDGE, 'type', 'bridge']);
    system('ip', ['addr', 'add', `${controlPlaneAddress}/24`, 'dev', BRIDGE]);
    system('ip', ['link', 'set', BRIDGE, 'up']);
    system('ip', ['route', 'add', POD_CIDR, 'dev', BRIDGE]);
  }

  /** A process holding the pod's mount namespace, and its network namespace unless it shares its node's. */
  sandbox(pod: StoredPod): Holder {
    const node = this.nodes.find((candidate) => candidate.name === pod.spec.nodeName);
    if (!node) throw new Error(`pod ${pod.metadata.name} is on ${pod.spec.nodeName}, not a node of the lab`);
    const unshare = ['unshare', '--mount', '--propagation', 'private'];
    let command: string[];
    if (!pod.spec.hostNetwork) {
      command = [...unshare, '--net', 'sleep', 'infinity'];
    } else if (node.controlPlane) {
      command = [...unshare, 'sleep', 'infinity'];
    } else {
      command = ['nsenter', `--net=/proc/${this.nodeNamespace(node)}/ns/net`, ...unshare, 'sleep', 'infinity'];
    }
    const address = pod.status.podIP as string;
    if (!pod.spec.hostNetwork && addressTaken(address)) {
      throw new Error(`${address}, the address of pod ${pod.metadata.name}, already answers on ${BRIDGE}: another sandbox still holds it`);
    }
    const holder = this.spawnHolder(command);
    const sandbox = pod.spec.hostNetwork ? holder
      : { ...holder, link: this.plugIn(holder.pid, address), netns: fs.readlinkSync(`/proc/${holder.pid}/ns/net`) };
    this.holders.push(sandbox);
    return sandbox;
  }

  /** Ends a sandbox's holder; waits until the kernel has removed its network namespace (and so its end of the veth pair). */
  endSandbox(holder: Holder): void {
    endProcess(holder.launcher);
    const index = this.holders.indexOf(holder);
    if (index >= 0) this.holders.splice(index, 1);
    const { link } = holder;
    if (!link) return;
    waitFor(`the network namespace behind ${link} gone`, () => {
      const shown = spawnSync('ip', ['-o', 'link', 'show', 'dev', link], { encoding: 'utf8' });
      if (shown.status !== 0) return undefined;
      const inside = processesIn(holder.netns ?? '');
      return `${link} is still on ${BRIDGE}: ${inside.length > 0 ? `held by ${inside.join(', ')}` : 'no process in it, the kernel still tearing it down'}`;
      // The kernel tears a network namespace down in the background, after RCU grace periods: seconds on a loaded machine.
    }, 60_000);
  }

  /** A node's network namespace as a path nsenter enters: this process's own for m-k8s, a worker's made on first use. */
  nodeNetwork(node: SimulatedNode): string {
    return `/proc/${node.controlPlane ? process.pid : this.nodeNamespace(node)}/ns/net`;
  }

  /** A network namespace on the lab network with the address given, for a machine that is not a node (the book's host); ends with stopAll. */
  labHost(address: string): string {
    const holder = this.spawnHolder(['unshare', '--net', 'sleep', 'infinity']);
    this.holders.push(holder);
    this.plugIn(holder.pid, address);
    return `/proc/${holder.pid}/ns/net`;
  }

  /** The pid of the process holding a worker node's network namespace, made on first use. */
  private nodeNamespace(node: SimulatedNode): number {
    const existing = this.nodeNamespaces.get(node.name);
    if (existing) return existing.pid;
    const holder = this.spawnHolder(['unshare', '--net', 'sleep', 'infinity']);
    this.nodeNamespaces.set(node.name, holder);
    this.plugIn(holder.pid, node.internalIp);
    return holder.pid;
  }

  /** Starts a namespace holder and returns once it holds them: unshare and nsenter exec `sleep` only after entering. */
  private spawnHolder(command: string[]): Holder {
    const launcher = spawnTied(command, { stdio: 'ignore' });
    const pid = childPid(launcher);
    for (let waited = 0; readComm(pid) !== 'sleep'; waited += 10) {
      if (waited > 10_000) throw new Error(`${command.join(' ')} did not come up`);
      sleepSync(10);
    }
    return { launcher, pid };
  }

  /** A veth pair from the bridge into the namespace, with the address as the namespace's only one; the bridge's end. */
  private plugIn(pid: number, address: string): string {
    this.interfaces += 1;
    const hostSide = `veth${this.interfaces}`;
    system('ip', ['link', 'add', hostSide, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', String(pid)]);
    system('ip', ['link', 'set', hostSide, 'master', BRIDGE, 'up']);
    const inside = (...args: string[]): string => system('nsenter', [`--target=${pid}`, '--net', 'ip', ...args]);
    inside('link', 'set', 'lo', 'up');
    inside('addr', 'add', `${address}/32`, 'dev', 'eth0');
    inside('link', 'set', 'eth0', 'up');
    // Every address is on the bridge: the pod asks for each by ARP, as on the lab's one network.
    inside('route', 'add', 'default', 'dev', 'eth0');
    return hostSide;
  }

  /**
   * Stops every holder it started, each of them even when another fails to stop; not waiting for the kernel to tear the
   * namespaces down, since nothing starts after this.
   */
  async stopAll(): Promise<void> {
    const launchers = [...this.holders, ...this.nodeNamespaces.values()].map((holder) => holder.launcher);
    this.holders.length = 0;
    this.nodeNamespaces.clear();
    await Promise.all(launchers.map((launcher) => stopProcess(launcher)));
  }
}

/**
 * Whether a network namespace on the bridge holds the address: a connection to a port nothing listens on (discard, 9) is
 * refused by a namespace that has it, and never resolved when none has it.
 */
function addressTaken(address: string): boolean {
  const probe = `const socket = require('net').connect({ host: process.argv[1], port: 9, timeout: 1000 });
const answer = (taken) => { process.stdout.write(taken ? 'taken' : 'free'); process.exit(0); };
socket.on('connect', () => answer(true)).on('timeout', () => answer(false)).on('error', (error) => answer(error.code === 'ECONNREFUSED'));`;
  const result = spawnSync(process.execPath, ['-e', probe, address], { encoding: 'utf8' });
  if (result.stdout !== 'taken' && result.stdout !== 'free') throw new Error(`probing ${address} failed: ${result.stderr.trim()}`);
  return result.stdout === 'taken';
}

/** The processes in a network namespace, as "pid (comm)". */
function processesIn(netns: string): string[] {
  return fs.readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).filter((pid) => {
    try {
      return fs.readlinkSync(`/proc/${pid}/ns/net`) === netns;
    } catch {
      return false;
    }
  }).map((pid) => `${pid} (${readComm(Number(pid))})`);
}
