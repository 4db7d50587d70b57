import { ChildProcess, spawnSync } from 'child_process';
import * as fs from 'fs';
import { isAlive } from '../lib/support/processes';
import { containerLog, ContainerLauncher } from './container-processes';
import { getJson, waitFor } from './converge';
import { LocalCluster } from './local-cluster';
import { Holder, PodNetwork } from './pod-network';
import { PodVolumes } from './pod-volumes';
import { SimulatedNode } from './simulated-nodes';
import { SecurityContext, StoredContainer, StoredPod } from './stored-pod';
import { childPidOrZero, endProcess, stopProcess } from './tied-processes';

/*
 * Runs the install's pods as a kubelet and a container runtime would, from the pods the API server stores:
 * each container's program (e2e/image-programs.ts) with the image's entrypoint, the pod's command, args and
 * env, as the pod's uid, gid and groups, with only the capabilities its securityContext keeps, no new
 * privileges where it asks, a read-only root where it asks; its volumes mounted where it mounts them
 * (ConfigMaps in the kubelet's `..data` layout, the claim's NFS export as a local folder, host paths), its
 * ServiceAccount's token from a TokenRequest bound to the pod. Each pod has a mount namespace of its own,
 * and a network namespace with the address kwok gave it on a bridge of the e2e's own; host-network pods
 * share their node's. The part runs in a network namespace it made (`unshare --net`): nothing here is
 * reachable from outside this machine, and this namespace is m-k8s, the book's control plane, at
 * 192.168.1.10. Stood in for: the images' file systems (the host's /usr, read-only, and the program at its
 * image path), the NFS server (a local folder), seccomp and resource limits (not applied).
 *
 * PodRunner is what the checks use; it puts together the pods' network and sandboxes (e2e/pod-network.ts), their
 * volumes (e2e/pod-volumes.ts) and their containers' processes (e2e/container-processes.ts).
 */

/** A pod the runner started: its containers' processes, by container name. */
export interface RunningPod {
  readonly pod: StoredPod;
  readonly processes: Map<string, ChildProcess>;
  /** The folder its containers' roots, volumes and logs are in. */
  readonly dir: string;
  /** The process holding its namespaces. */
  readonly holder: Holder;
}

export class PodRunner {
  private readonly running: RunningPod[] = [];
  private readonly network: PodNetwork;
  private readonly volumes: PodVolumes;
  private readonly launcher: ContainerLauncher;

  /**
   * @param cluster the control plane the pods are read from, listening on `controlPlane.internalIp`
   * @param nodes the simulated nodes; the control-plane node is this network namespace
   * @param nfsRoot the folder standing for the NFS servers: `<nfsRoot>/<server>/<path>` is an export
   * @param dir the folder for the pods' roots, volumes and logs
   */
  constructor(private readonly cluster: LocalCluster, nodes: readonly SimulatedNode[], nfsRoot: string, dir: string) {
    this.network = new PodNetwork(nodes);
    this.volumes = new PodVolumes(cluster, nfsRoot, dir);
    this.launcher = new ContainerLauncher(cluster, nodes, this.volumes);
  }

  /** The bridge with the control plane's address and a route to the pods: once per network namespace. */
  static createNetwork(controlPlaneAddress: string): void {
    PodNetwork.create(controlPlaneAddress);
  }

  /** The local folder standing for an NFS export. */
  nfsPath(server: string, exportPath: string): string {
    return this.volumes.nfsPath(server, exportPath);
  }

  /** The pod as the API server stores it, once kwok has given it an address. */
  readPod(namespace: string, name: string): StoredPod {
    let pod: StoredPod | undefined;
    waitFor(`pod ${namespace}/${name} addressed`, () => {
      pod = getJson<StoredPod>(this.cluster.kubectl, ['get', 'pod', '-n', namespace, name]);
      return pod.status.podIP ? undefined : 'no address yet';
    }, 60_000);
    return pod as StoredPod;
  }

  /** The names of the pods matching a label selector, sorted. */
  podNames(namespace: string, selector: string): string[] {
    const list = getJson<{ items: StoredPod[] }>(this.cluster.kubectl, ['get', 'pods', '-n', namespace, '-l', selector]);
    return list.items.map((pod) => pod.metadata.name).sort();
  }

  /**
   * The pods matching a selector once their controller has settled: `count` of them, none being deleted, each
   * addressed. A DaemonSet controller under load may still replace a pod after all were Ready (CI saw one go between
   * listing the node-exporters and reading them), so the set must read the same twice in a row.
   */
  settledPods(namespace: string, selector: string, count: number): StoredPod[] {
    let pods: StoredPod[] = [];
    let previous = '';
    waitFor(`${count} pods ${selector} settled in ${namespace}`, () => {
      const list = getJson<{ items: StoredPod[] }>(this.cluster.kubectl, ['get', 'pods', '-n', namespace, '-l', selector]);
      pods = list.items.filter((pod) => !pod.metadata.deletionTimestamp && pod.status.podIP)
        .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
      const seen = pods.map((pod) => pod.metadata.uid).join(',');
      const settled = pods.length === count && list.items.length === count && seen === previous;
      previous = seen;
      return settled ? undefined : `${list.items.length} pods, ${pods.length} addressed and not being deleted, of ${count}`;
    }, 60_000);
    return pods;
  }

  /** Starts every container of the pod named; returns at once (the checks probe for readiness). */
  start(namespace: string, name: string): RunningPod {
    return this.startPod(this.readPod(namespace, name));
  }

  /** Starts every container of the stored pod; returns at once. */
  startPod(pod: StoredPod): RunningPod {
    const holder = this.network.sandbox(pod);
    const dir = this.volumes.podDir(pod);
    const running = { pod, processes: new Map<string, ChildProcess>(), dir, holder };
    for (const container of pod.spec.containers) this.launch(running, container);
    this.running.push(running);
    return running;
  }

  /** Stops a container's program and starts it again in its pod, as the kubelet restarts a container. */
  restart(running: RunningPod, container: string): void {
    running.processes.get(container)?.kill('SIGTERM');
    waitFor(`${container} of ${running.pod.metadata.name} stopped`, () => (this.isRunning(running, container) ? 'still running' : undefined), 15_000);
    const spec = running.pod.spec.containers.find((candidate) => candidate.name === container);
    if (!spec) throw new Error(`pod ${running.pod.metadata.name} has no container ${container}`);
    this.launch(running, spec);
  }

  private launch(running: RunningPod, container: StoredContainer): void {
    running.processes.set(container.name, this.launcher.launch(running.pod, container, running.holder.pid));
  }

  /**
   * Runs the pod's one container to its end (a Job's pod): its exit status and output. `as` replaces fields of
   * the container's securityContext, to run it as something else would see it (root squashed by an NFS server).
   */
  runToCompletion(namespace: string, name: string, as: SecurityContext = {}): { status: number | null; output: string } {
    const pod = this.readPod(namespace, name);
    const holder = this.network.sandbox(pod);
    const [stored] = pod.spec.containers;
    const container = { ...stored, securityContext: { ...stored.securityContext, ...as } };
    const launch = this.launcher.prepare(pod, container, holder.pid);
    const result = spawnSync(launch.command[0], launch.command.slice(1), { encoding: 'utf8', timeout: 60_000 });
    // The pod's address is free again before this returns: a second run of the same pod plugs it in anew.
    this.network.endSandbox(holder);
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  }

  /** The last lines a container logged. */
  logOf(running: RunningPod, container: string, lines = 20): string {
    const file = containerLog(running.dir, container);
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n') : '(no log)';
  }

  /** Whether a container still runs (a launcher that ended is a zombie until Node, waiting synchronously, reaps it). */
  isRunning(running: RunningPod, container: string): boolean {
    const pid = running.processes.get(container)?.pid;
    return pid !== undefined && isAlive(pid);
  }

  /** The pid of a container's program (the process the launch command became). */
  programPid(running: RunningPod, container: string): number {
    const launcher = running.processes.get(container);
    const pid = launcher ? childPidOrZero(launcher) : 0;
    if (!pid) throw new Error(`container ${container} of ${running.pod.metadata.name} is not running:\n${this.logOf(running, container)}`);
    return pid;
  }

  /**
   * What the kubelet does on its sync after a ConfigMap changed: each ConfigMap volume of every running pod
   * rewritten from the API server, a new timestamped folder and the `..data` link swapped onto it.
   */
  syncConfigMaps(): void {
    for (const running of this.running) {
      for (const volume of running.pod.spec.volumes ?? []) {
        if (volume.configMap) this.volumes.writeConfigMap(running.pod, volume.name, volume.configMap.name);
      }
    }
  }

  /**
   * Stops a pod as the kubelet does: its containers (SIGTERM, then SIGKILL after tied-to-parent.sh's grace), then its
   * sandbox; returns once its network namespace, and the address in it, is gone, so that the pod started again cannot
   * meet its old self on the bridge.
   */
  stop(running: RunningPod): void {
    // A pod stopped twice is no longer listed the second time: indexOf's -1 would remove the last pod instead.
    const index = this.running.indexOf(running);
    if (index < 0) return;
    this.running.splice(index, 1);
    for (const child of running.processes.values()) endProcess(child);
    this.network.endSandbox(running.holder);
  }

  /**
   * Stops every pod and namespace holder it started, each of them even when another fails to stop; not waiting for the
   * kernel to tear the namespaces down, since nothing starts after this.
   */
  async stopAll(): Promise<void> {
    const processes = this.running.flatMap((running) => [...running.processes.values()]);
    this.running.length = 0;
    await Promise.all([...processes.map((child) => stopProcess(child)), this.network.stopAll()]);
  }

  /** A node's network namespace as a path nsenter enters: this process's own for m-k8s, a worker's made on first use. */
  nodeNetwork(node: SimulatedNode): string {
    return this.network.nodeNetwork(node);
  }

  /** A network namespace on the lab network with the address given, for a machine that is not a node (the book's host); ends with stopAll. */
  labHost(address: string): string {
    return this.network.labHost(address);
  }
}
