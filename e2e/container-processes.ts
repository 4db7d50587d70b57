import { ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { imageProgram } from './image-programs';
import { LocalCluster } from './local-cluster';
import { PodVolumes } from './pod-volumes';
import { system } from './processes';
import { SimulatedNode } from './simulated-nodes';
import { SecurityContext, StoredContainer, StoredPod } from './stored-pod';
import { spawnTied } from './tied-processes';

/*
 * The containers' processes, as a container runtime starts them: each container's program (e2e/image-programs.ts)
 * in a root of its own inside its pod's sandbox, with the image's entrypoint or the pod's command and args, the
 * pod's env, its uid, gid and groups, and only the capabilities its securityContext keeps.
 */

/** The capabilities a container runtime (containerd, CRI-O) gives a container that does not drop them. */
const RUNTIME_DEFAULT_CAPS = ['CHOWN', 'DAC_OVERRIDE', 'FSETID', 'FOWNER', 'MKNOD', 'NET_RAW', 'SETGID', 'SETUID', 'SETFCAP',
  'SETPCAP', 'NET_BIND_SERVICE', 'SYS_CHROOT', 'KILL', 'AUDIT_WRITE'];
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** One container's way to start: the command (run as root in this namespace) and the file it logs to. */
interface Launch {
  readonly command: string[];
  readonly log: string;
}

export class ContainerLauncher {
  /**
   * @param cluster the control plane the containers talk to, as KUBERNETES_SERVICE_HOST and _PORT name it
   * @param nodes the simulated nodes; the control-plane node's address is the API server's
   * @param volumes where the pods' folders and volumes are
   */
  constructor(
    private readonly cluster: LocalCluster,
    private readonly nodes: readonly SimulatedNode[],
    private readonly volumes: PodVolumes,
  ) {}

  /** Starts the container in the sandbox whose holder has the pid given; returns its launcher at once. */
  launch(pod: StoredPod, container: StoredContainer, sandboxPid: number): ChildProcess {
    const launch = this.prepare(pod, container, sandboxPid);
    const log = fs.openSync(launch.log, 'a');
    const child = spawnTied(launch.command, { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    return child;
  }

  /** The container's root, volumes and token mounted in the holder's mount namespace; the command that starts it. */
  prepare(pod: StoredPod, container: StoredContainer, sandboxPid: number): Launch {
    const program = imageProgram(container.image);
    const podDir = this.volumes.podDir(pod);
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
      mountpoints.push([this.volumes.volumeSource(pod, volume), mount.mountPath, mount.readOnly === true || alwaysReadOnly]);
    }

    const mount = (...args: string[]): string => system('nsenter', [`--target=${sandboxPid}`, '--mount', 'mount', ...args]);
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
      command: ['nsenter', `--target=${sandboxPid}`, '--mount', '--net', 'chroot', root,
        '/usr/bin/env', '-i', `--chdir=${program.workingDir}`, ...environment.map(([name, value]) => `${name}=${value}`),
        '/usr/bin/setpriv', ...privileges(pod, context), '--', ...args],
      log: containerLog(podDir, container.name),
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

/** Where a container of a pod logs: `<container>.log` in the pod's folder. */
export function containerLog(podDir: string, container: string): string {
  return path.join(podDir, `${container}.log`);
}
