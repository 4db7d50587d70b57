import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { isAlive } from '../lib/support/processes';
import { getJson, waitFor } from './converge';
import { imageProgram } from './image-programs';
import { LocalCluster, TIED_TO_PARENT } from './local-cluster';
import { sleepSync } from './processes';
import { SimulatedNode } from './simulated-nodes';

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
 */

/** The bridge every pod's network namespace is plugged into. */
const BRIDGE = 'lab0';
/** The range kwok hands pod addresses from (simulated-nodes.ts gives it `--cidr`). */
const POD_RANGE = '10.244.0.0/16';
/** The capabilities a container runtime (containerd, CRI-O) gives a container that does not drop them. */
const RUNTIME_DEFAULT_CAPS = ['CHOWN', 'DAC_OVERRIDE', 'FSETID', 'FOWNER', 'MKNOD', 'NET_RAW', 'SETGID', 'SETUID', 'SETFCAP',
  'SETPCAP', 'NET_BIND_SERVICE', 'SYS_CHROOT', 'KILL', 'AUDIT_WRITE'];
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

interface SecurityContext {
  runAsUser?: number; runAsGroup?: number; fsGroup?: number; supplementalGroups?: number[];
  allowPrivilegeEscalation?: boolean; privileged?: boolean; readOnlyRootFilesystem?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
}

interface StoredContainer {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: Array<{ name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }>;
  securityContext?: SecurityContext;
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean; subPath?: string }>;
  ports?: Array<{ name?: string; containerPort: number }>;
  readinessProbe?: { httpGet?: { path?: string; port: number | string } };
}

interface StoredVolume {
  name: string;
  configMap?: { name: string };
  persistentVolumeClaim?: { claimName: string };
  nfs?: { server: string; path: string };
  hostPath?: { path: string };
  emptyDir?: object;
  projected?: { sources: ProjectedSource[] };
}

/** What the ServiceAccount admission puts into a pod: a token, the cluster's CA, the namespace. */
interface ProjectedSource {
  serviceAccountToken?: { path: string; expirationSeconds?: number; audience?: string };
  configMap?: { name: string; items?: Array<{ key: string; path: string }> };
  downwardAPI?: { items: Array<{ path: string; fieldRef?: { fieldPath: string } }> };
}

/** A pod as the API server stores it, as far as the runner reads it. */
export interface StoredPod {
  metadata: { name: string; namespace: string; uid: string; deletionTimestamp?: string };
  spec: {
    nodeName: string;
    hostNetwork?: boolean;
    serviceAccountName?: string;
    automountServiceAccountToken?: boolean;
    securityContext?: SecurityContext;
    containers: StoredContainer[];
    volumes?: StoredVolume[];
  };
  status: { podIP?: string; hostIP?: string };
}

/** A pod the runner started: its containers' processes, by container name. */
export interface RunningPod {
  readonly pod: StoredPod;
  readonly processes: Map<string, ChildProcess>;
  /** The folder its containers' roots, volumes and logs are in. */
  readonly dir: string;
  /** The process holding its namespaces. */
  readonly holder: Holder;
}

/** A process (`sleep`, under tied-to-parent.sh) that holds namespaces for as long as it lives. */
interface Holder {
  readonly launcher: ChildProcess;
  /** The `sleep` itself: the pid nsenter enters. */
  readonly pid: number;
  /** The bridge's end of the veth pair into its network namespace, where it has one of its own. */
  readonly link?: string;
  /** That network namespace, as /proc/<pid>/ns/net names it (`net:[inode]`). */
  readonly netns?: string;
}

/** One container's way to start: the command (run as root in this namespace) and the folder it logs to. */
interface Launch {
  readonly command: string[];
  readonly log: string;
}

/** Runs a command of the runner's own (ip, mount, nsenter), argument by argument; throws naming it on failure. */
function system(command: string, args: readonly string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${(result.stderr || result.error?.message || '').trim()}`);
  return result.stdout;
}

/** True when this network namespace has nothing but a loopback: a fresh one, made for this part (`unshare --net`). */
function inFreshNetworkNamespace(): boolean {
  return system('ip', ['-o', 'link', 'show']).trim().split('\n').every((line) => /^\d+: lo:/.test(line));
}

export class PodRunner {
  private readonly running: RunningPod[] = [];
  /** Per worker node, the process holding its network namespace (m-k8s is this process's own). */
  private readonly nodeNamespaces = new Map<string, Holder>();
  private readonly holders: Holder[] = [];
  private interfaces = 0;

  /**
   * @param cluster the control plane the pods are read from, listening on `controlPlane.internalIp`
   * @param nodes the simulated nodes; the control-plane node is this network namespace
   * @param nfsRoot the folder standing for the NFS servers: `<nfsRoot>/<server>/<path>` is an export
   * @param dir the folder for the pods' roots, volumes and logs
   */
  constructor(
    private readonly cluster: LocalCluster,
    private readonly nodes: readonly SimulatedNode[],
    private readonly nfsRoot: string,
    private readonly dir: string,
  ) {}

  /** The bridge with the control plane's address and a route to the pods: once per network namespace. */
  static createNetwork(controlPlaneAddress: string): void {
    if (!inFreshNetworkNamespace()) throw new Error('the pod runner needs a network namespace of its own: run the part under `unshare --net`');
    system('ip', ['link', 'add', BRIDGE, 'type', 'bridge']);
    system('ip', ['addr', 'add', `${controlPlaneAddress}/24`, 'dev', BRIDGE]);
    system('ip', ['link', 'set', BRIDGE, 'up']);
    system('ip', ['route', 'add', POD_RANGE, 'dev', BRIDGE]);
  }

  /** The local folder standing for an NFS export. */
  nfsPath(server: string, exportPath: string): string {
    return path.join(this.nfsRoot, server, exportPath);
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
    const holder = this.sandbox(pod);
    const dir = this.podDir(pod);
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
    const launch = this.prepare(running.pod, container, running.holder);
    const log = fs.openSync(launch.log, 'a');
    const child = spawn('bash', [TIED_TO_PARENT, String(process.pid), ...launch.command], { stdio: ['ignore', log, log], detached: true });
    fs.closeSync(log);
    running.processes.set(container.name, child);
  }

  /**
   * Runs the pod's one container to its end (a Job's pod): its exit status and output. `as` replaces fields of
   * the container's securityContext, to run it as something else would see it (root squashed by an NFS server).
   */
  runToCompletion(namespace: string, name: string, as: SecurityContext = {}): { status: number | null; output: string } {
    const pod = this.readPod(namespace, name);
    const holder = this.sandbox(pod);
    const [stored] = pod.spec.containers;
    const container = { ...stored, securityContext: { ...stored.securityContext, ...as } };
    const launch = this.prepare(pod, container, holder);
    const result = spawnSync(launch.command[0], launch.command.slice(1), { encoding: 'utf8', timeout: 60_000 });
    // The pod's address is free again before this returns: a second run of the same pod plugs it in anew.
    this.endSandbox(holder);
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  }

  /** The last lines a container logged. */
  logOf(running: RunningPod, container: string, lines = 20): string {
    const file = path.join(running.dir, `${container}.log`);
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n') : '(no log)';
  }

  /**
   * Whether a container still runs. Read from /proc: the checks wait synchronously, so Node has not yet
   * reaped (or reported) a launcher that ended; an ended one is a zombie until then.
   */
  isRunning(running: RunningPod, container: string): boolean {
    const pid = running.processes.get(container)?.pid;
    try {
      return pid !== undefined && !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return false;
    }
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
        if (volume.configMap) this.writeConfigMap(running.pod, volume.name, volume.configMap.name);
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
    this.endSandbox(running.holder);
  }

  /**
   * Stops every pod and namespace holder it started, each of them even when another fails to stop; not waiting for the
   * kernel to tear the namespaces down, since nothing starts after this.
   */
  async stopAll(): Promise<void> {
    const processes = [...this.running.flatMap((running) => [...running.processes.values()]),
      ...[...this.holders, ...this.nodeNamespaces.values()].map((holder) => holder.launcher)];
    this.running.length = 0;
    this.holders.length = 0;
    this.nodeNamespaces.clear();
    await Promise.all(processes.map((child) => stopProcess(child)));
  }

  private podDir(pod: StoredPod): string {
    const dir = path.join(this.dir, `${pod.metadata.namespace}_${pod.metadata.name}`);
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    return dir;
  }

  /** A process holding the pod's mount namespace, and its network namespace unless it shares its node's. */
  private sandbox(pod: StoredPod): Holder {
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
  private endSandbox(holder: Holder): void {
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
    const launcher = spawn('bash', [TIED_TO_PARENT, String(process.pid), ...command], { stdio: 'ignore', detached: true });
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

  /** The container's root, volumes and token mounted in the holder's mount namespace; the command that starts it. */
  private prepare(pod: StoredPod, container: StoredContainer, holder: Holder): Launch {
    const program = imageProgram(container.image);
    const podDir = this.podDir(pod);
    const root = path.join(podDir, container.name);
    fs.rmSync(root, { recursive: true, force: true });
    const mountpoints: Array<[string, string, boolean]> = [];
    const inRoot = (target: string): string => path.join(root, target);
    const makeDir = (target: string): void => { fs.mkdirSync(inRoot(target), { recursive: true, mode: 0o755 }); };
    for (const dir of ['usr', 'dev', 'proc', 'etc', 'tmp', 'bin', program.workingDir]) makeDir(dir);
    fs.chmodSync(inRoot('tmp'), 0o1777);
    for (const link of ['lib', 'lib64', 'sbin']) fs.symlinkSync(`usr/${link}`, inRoot(link));
    // The kubelet's hosts file: localhost, and the pod's own name at its address (no DNS server runs here).
    const hostname = pod.spec.hostNetwork ? pod.spec.nodeName : pod.metadata.name;
    fs.writeFileSync(inRoot('etc/hosts'), `# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n${pod.status.podIP}\t${hostname}\n`);
    const entry = program.entrypoint[0];
    const command = container.command ?? [];
    // The program sits at the image's path: the entrypoint's, or the command's when the pod replaces it.
    const programPath = command.length > 0 ? command[0] : entry;
    makeDir(path.dirname(programPath));
    fs.writeFileSync(inRoot(programPath), '');
    mountpoints.push([program.binary, programPath, true], ['/usr', '/usr', true], ['/dev', '/dev', false], ['/proc', '/proc', true]);
    if (program.workingFiles) {
      if (!fs.existsSync(program.workingFiles)) throw new Error(`${program.workingFiles} not found: run scripts/install-kube.sh`);
      for (const entry of fs.readdirSync(program.workingFiles).filter((name) => !name.startsWith('.'))) {
        makeDir(path.join(program.workingDir, entry));
        mountpoints.push([path.join(program.workingFiles, entry), path.join(program.workingDir, entry), true]);
      }
    }

    const volumes = new Map((pod.spec.volumes ?? []).map((volume) => [volume.name, volume]));
    for (const mount of container.volumeMounts ?? []) {
      const volume = volumes.get(mount.name);
      if (!volume) throw new Error(`pod ${pod.metadata.name} mounts ${mount.name}, which it does not define`);
      makeDir(mount.mountPath);
      // The kubelet mounts ConfigMap and projected volumes read-only whatever the mount says.
      const alwaysReadOnly = volume.configMap !== undefined || volume.projected !== undefined;
      mountpoints.push([this.volumeSource(pod, volume), mount.mountPath, mount.readOnly === true || alwaysReadOnly]);
    }

    const mount = (...args: string[]): string => system('nsenter', [`--target=${holder.pid}`, '--mount', 'mount', ...args]);
    mount('--bind', root, root);
    for (const [source, target, readOnly] of mountpoints) {
      mount('--bind', ...(readOnly ? ['-o', 'ro'] : []), source, inRoot(target));
    }
    const context = { ...pod.spec.securityContext, ...container.securityContext };
    if (context.privileged) throw new Error(`container ${container.name} of ${pod.metadata.name} is privileged: the runner does not run those`);
    if (context.readOnlyRootFilesystem) mount('-o', 'remount,bind,ro', root);

    const environment = this.environment(pod, container);
    const variables = new Map(environment);
    // The kubelet expands $(VAR) in the pod's command and args; the image's entrypoint is taken as it is.
    const args = command.length > 0
      ? [...command, ...(container.args ?? [])].map((arg) => expand(arg, variables))
      : [...program.entrypoint, ...(container.args ?? []).map((arg) => expand(arg, variables))];
    return {
      command: ['nsenter', `--target=${holder.pid}`, '--mount', '--net', 'chroot', root,
        '/usr/bin/env', '-i', `--chdir=${program.workingDir}`, ...environment.map(([name, value]) => `${name}=${value}`),
        '/usr/bin/setpriv', ...privileges(pod, context), '--', ...args],
      log: path.join(podDir, `${container.name}.log`),
    };
  }

  /** The container's environment as the kubelet sets it: its own variables, the API server's address, its hostname. */
  private environment(pod: StoredPod, container: StoredContainer): Array<[string, string]> {
    const fields: Record<string, string> = {
      'metadata.name': pod.metadata.name, 'metadata.namespace': pod.metadata.namespace, 'status.podIP': pod.status.podIP ?? '',
      'status.hostIP': pod.status.hostIP ?? '', 'spec.nodeName': pod.spec.nodeName,
    };
    const variables: Array<[string, string]> = [
      ['PATH', DEFAULT_PATH], ['HOSTNAME', pod.spec.hostNetwork ? pod.spec.nodeName : pod.metadata.name],
      ['KUBERNETES_SERVICE_HOST', this.nodes.find((node) => node.controlPlane)?.internalIp ?? ''],
      ['KUBERNETES_SERVICE_PORT', String(this.cluster.apiPort)],
    ];
    for (const variable of container.env ?? []) {
      const field = variable.valueFrom?.fieldRef?.fieldPath;
      if (field !== undefined && !(field in fields)) throw new Error(`env ${variable.name} of ${container.name}: fieldRef ${field} is not one the runner knows`);
      variables.push([variable.name, field !== undefined ? fields[field] : expand(variable.value ?? '', new Map(variables))]);
    }
    return variables;
  }

  private volumeSource(pod: StoredPod, volume: StoredVolume): string {
    if (volume.configMap) return this.writeConfigMap(pod, volume.name, volume.configMap.name);
    if (volume.projected) return this.writeProjected(pod, volume.name, volume.projected.sources);
    if (volume.nfs) return this.nfsPath(volume.nfs.server, volume.nfs.path);
    if (volume.hostPath) return volume.hostPath.path;
    if (volume.persistentVolumeClaim) {
      const claim = getJson<{ spec: { volumeName?: string } }>(this.cluster.kubectl,
        ['get', 'pvc', '-n', pod.metadata.namespace, volume.persistentVolumeClaim.claimName]);
      const bound = getJson<{ spec: { nfs?: { server: string; path: string } } }>(this.cluster.kubectl, ['get', 'pv', claim.spec.volumeName ?? '']);
      if (!bound.spec.nfs) throw new Error(`the volume of claim ${volume.persistentVolumeClaim.claimName} is not an NFS volume`);
      return this.nfsPath(bound.spec.nfs.server, bound.spec.nfs.path);
    }
    if (volume.emptyDir) {
      const dir = path.join(this.podDir(pod), 'volumes', volume.name);
      fs.mkdirSync(dir, { recursive: true, mode: 0o777 });
      return dir;
    }
    throw new Error(`volume ${volume.name} of ${pod.metadata.name}: a kind of volume the runner does not mount`);
  }

  /** The kubelet's layout: files in `..<n>/`, `..data` linking to it, each key a link through `..data`. */
  private writeConfigMap(pod: StoredPod, volume: string, name: string): string {
    const dir = path.join(this.podDir(pod), 'volumes', volume);
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    const configMap = getJson<{ data?: Record<string, string> }>(this.cluster.kubectl, ['get', 'configmap', '-n', pod.metadata.namespace, name]);
    const previous = fs.existsSync(path.join(dir, '..data')) ? fs.readlinkSync(path.join(dir, '..data')) : undefined;
    const version = `..${Number(previous?.slice(2) ?? 0) + 1}`;
    fs.mkdirSync(path.join(dir, version), { mode: 0o755 });
    const group = pod.spec.securityContext?.fsGroup;
    for (const [key, value] of Object.entries(configMap.data ?? {})) {
      const file = path.join(dir, version, key);
      fs.writeFileSync(file, value, { mode: 0o644 });
      if (group !== undefined) fs.chownSync(file, 0, group);
      if (!fs.existsSync(path.join(dir, key))) fs.symlinkSync(`..data/${key}`, path.join(dir, key));
    }
    fs.symlinkSync(version, path.join(dir, '..data_tmp'));
    fs.renameSync(path.join(dir, '..data_tmp'), path.join(dir, '..data'));
    if (previous) fs.rmSync(path.join(dir, previous), { recursive: true, force: true });
    return dir;
  }

  /** A projected volume: the token from a TokenRequest bound to the pod, ConfigMap keys, downward API fields. */
  private writeProjected(pod: StoredPod, volume: string, sources: readonly ProjectedSource[]): string {
    const dir = path.join(this.podDir(pod), 'volumes', volume);
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    const write = (file: string, content: string): void => fs.writeFileSync(path.join(dir, file), content, { mode: 0o644 });
    for (const source of sources) {
      if (source.serviceAccountToken) {
        const request = source.serviceAccountToken;
        write(request.path, system(this.cluster.kubectlPath, ['--kubeconfig', this.cluster.kubeconfig, 'create', 'token',
          pod.spec.serviceAccountName ?? 'default', '-n', pod.metadata.namespace, '--bound-object-kind=Pod',
          `--bound-object-name=${pod.metadata.name}`, `--bound-object-uid=${pod.metadata.uid}`,
          `--duration=${request.expirationSeconds ?? 3607}s`, ...(request.audience ? [`--audience=${request.audience}`] : [])]).trim());
      } else if (source.configMap) {
        const configMap = getJson<{ data?: Record<string, string> }>(this.cluster.kubectl, ['get', 'configmap', '-n', pod.metadata.namespace, source.configMap.name]);
        for (const item of source.configMap.items ?? Object.keys(configMap.data ?? {}).map((key) => ({ key, path: key }))) {
          write(item.path, configMap.data?.[item.key] ?? '');
        }
      } else if (source.downwardAPI) {
        for (const item of source.downwardAPI.items) {
          if (item.fieldRef?.fieldPath !== 'metadata.namespace') throw new Error(`projected volume ${volume}: field ${item.fieldRef?.fieldPath} is not one the runner knows`);
          write(item.path, pod.metadata.namespace);
        }
      } else {
        throw new Error(`projected volume ${volume} of ${pod.metadata.name}: a source the runner does not know`);
      }
    }
    return dir;
  }
}

/** Kubernetes' variable references: `$(NAME)` becomes the variable's value where it is defined, `$$` a `$`. */
export function expand(text: string, variables: ReadonlyMap<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name?: string) => {
    if (match === '$$') return '$';
    return name !== undefined && variables.has(name) ? variables.get(name) as string : match;
  });
}

/** setpriv's options for the merged pod and container security context. */
export function privileges(pod: StoredPod, context: SecurityContext): string[] {
  const uid = context.runAsUser ?? 0;
  const gid = context.runAsGroup ?? 0;
  const groups = [...new Set([...(pod.spec.securityContext?.fsGroup !== undefined ? [pod.spec.securityContext.fsGroup] : []),
    ...(pod.spec.securityContext?.supplementalGroups ?? [])])];
  const drop = new Set((context.capabilities?.drop ?? []).map((cap) => cap.toUpperCase()));
  const kept = [...(drop.has('ALL') ? [] : RUNTIME_DEFAULT_CAPS.filter((cap) => !drop.has(cap))),
    ...(context.capabilities?.add ?? []).map((cap) => cap.toUpperCase())];
  const capabilities = ['-all', ...kept.map((cap) => `+${cap.toLowerCase().replace(/^cap_/, '')}`)].join(',');
  return [
    `--reuid=${uid}`, `--regid=${gid}`, groups.length > 0 ? `--groups=${groups.join(',')}` : '--clear-groups',
    `--bounding-set=${capabilities}`, `--inh-caps=${uid === 0 ? capabilities : '-all'}`,
    ...(context.allowPrivilegeEscalation === false ? ['--no-new-privs'] : []),
  ];
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

/** The pid of the process tied-to-parent.sh started (the command itself: unshare, nsenter and chroot exec). */
function childPid(launcher: ChildProcess): number {
  for (let waited = 0; waited < 5_000; waited += 20) {
    const pid = childPidOrZero(launcher);
    if (pid) return pid;
    sleepSync(20);
  }
  throw new Error(`${launcher.spawnargs.slice(3).join(' ')} did not start`);
}

function readComm(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

function childPidOrZero(launcher: ChildProcess): number {
  try {
    return Number(fs.readFileSync(`/proc/${launcher.pid}/task/${launcher.pid}/children`, 'utf8').trim().split(' ')[0]) || 0;
  } catch {
    return 0;
  }
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

/** Stops a process started under tied-to-parent.sh and waits, synchronously as the checks do, until it has ended. */
function endProcess(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const pid = child.pid;
  child.kill('SIGTERM');
  // tied-to-parent.sh gives its command 5 s before SIGKILL.
  waitFor(`${child.spawnargs.slice(3).join(' ')} stopped`, () => (isAlive(pid) ? 'still running' : undefined), 15_000);
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  return exited;
}
