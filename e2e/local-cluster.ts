import { ChildProcess, execFileSync, spawnSync } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TOOLS_BIN } from '../lib/helm/helm-binary';
import { apiServerFlags, Release } from './releases';
import { addNodes, SimulatedNode, startNodeSimulation } from './simulated-nodes';
import { claimFolder, freePorts, isAbandoned } from './processes';
import { spawnTied } from './tied-processes';

/**
 * A Kubernetes API server with its etcd, on 127.0.0.1 only, for end-to-end tests; with `nodes`, also
 * kube-controller-manager, kube-scheduler and kwok simulating those nodes. Certificates, the
 * service-account key and an admin token are made at start in a temporary folder; stop() ends every
 * process (each in its own process group, so nothing it started survives) and removes the folder.
 */
export interface LocalCluster {
  /** kubeconfig that reaches the server as an admin. */
  readonly kubeconfig: string;
  /** Runs the pinned kubectl against the server. */
  kubectl(args: readonly string[], input?: string): { status: number | null; stdout: string; stderr: string };
  /** That kubectl's path: the release's own. */
  readonly kubectlPath: string;
  /** The cluster's work folder, removed when it stops. */
  readonly workdir: string;
  /** The API server's port, on 127.0.0.1 and on the pod-facing address. */
  readonly apiPort: number;
  /** The release whose binaries run. */
  readonly release: Release;
  /** Starts another server beside the cluster (logging to `<name>.log` in the work folder), stopped with it. */
  startServer(name: string, executable: string, args: string[], env?: NodeJS.ProcessEnv): void;
  /** Stops the server and etcd and removes every file they used. */
  stop(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 90_000;
const WORKDIR_PREFIX = 'local-cluster-';

/**
 * Folders of earlier runs whose process is gone: an e2e killed outright cannot remove its own (its
 * servers stop by themselves, see tied-to-parent.sh), so the next run does.
 */
function removeAbandonedWorkdirs(): void {
  for (const entry of fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith(WORKDIR_PREFIX))) {
    const dir = path.join(os.tmpdir(), entry);
    if (isAbandoned(dir)) fs.rmSync(dir, { recursive: true, force: true });
  }
}



/** Which release runs, and what runs besides the API server. */
export interface LocalClusterOptions {
  /** The release whose binaries run. @default none, required */
  readonly release: Release;
  /** Nodes for kwok to simulate; with any, the controllers and the scheduler run too. @default none: the API only */
  readonly nodes?: readonly SimulatedNode[];
  /**
   * An address of the network namespace this process runs in (one the e2e made, see PodRunner.createNetwork) that
   * the API server listens on and advertises besides 127.0.0.1, for the pods e2e/pod-runner.ts starts.
   * @default none: 127.0.0.1 only
   */
  readonly podFacingAddress?: string;
}

/** Starts etcd and kube-apiserver, and the rest the options ask for; the returned cluster answers /readyz. */
export async function startLocalCluster(options: LocalClusterOptions): Promise<LocalCluster> {
  removeAbandonedWorkdirs();
  const workdir = fs.mkdtempSync(path.join(os.tmpdir(), WORKDIR_PREFIX));
  claimFolder(workdir);
  const processes: ChildProcess[] = [];
  const killAll = (): void => processes.forEach((child) => signalGroup(child, 'SIGKILL'));
  process.once('exit', killAll);
  try {
    const [etcdClientPort, etcdPeerPort, apiPort] = freePorts(3);
    const token = randomBytes(24).toString('hex');
    makeCredentials(workdir, token, options.podFacingAddress);
    processes.push(startEtcd(workdir, etcdClientPort, etcdPeerPort));
    processes.push(startApiServer(workdir, etcdClientPort, apiPort, options.release, options.podFacingAddress));
    const kubeconfig = writeKubeconfig(workdir, apiPort, token);
    const kubectl = kubectlFor(kubeconfig, options.release);
    await waitUntilReady(kubectl, processes, workdir);
    if (options.nodes && options.nodes.length > 0) {
      const start = (name: string, executable: string, args: string[]) => startLogged(workdir, name, executable, args);
      processes.push(...startNodeSimulation(workdir, kubeconfig, options.release, start));
      await addNodes(kubectl, options.nodes, () => failedProcess(processes, workdir));
    }
    return {
      kubeconfig,
      kubectl,
      kubectlPath: path.join(options.release.bin, 'kubectl'),
      workdir,
      apiPort,
      release: options.release,
      startServer: (name, executable, args, env) => {
        processes.push(startLogged(workdir, name, executable, args, env));
      },
      stop: async () => {
        await stopAll(processes);
        process.removeListener('exit', killAll);
        fs.rmSync(workdir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await stopAll(processes);
    process.removeListener('exit', killAll);
    fs.rmSync(workdir, { recursive: true, force: true });
    throw error;
  }
}

function kubectlFor(kubeconfig: string, release: Release): LocalCluster['kubectl'] {
  return (args, input) => {
    const result = spawnSync(path.join(release.bin, 'kubectl'), ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8', input, timeout: 120_000 });
    return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? (result.error?.message ?? '') };
  };
}

/** A CA, a serving certificate for 127.0.0.1 (and the pod-facing address), a service-account key pair and a static admin token. */
function makeCredentials(dir: string, token: string, podFacingAddress: string | undefined): void {
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  };
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=local-cluster-ca');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=kube-apiserver');
  const addresses = ['IP:127.0.0.1', ...(podFacingAddress ? [`IP:${podFacingAddress}`] : []), 'DNS:localhost'];
  fs.writeFileSync(path.join(dir, 'server.ext'), `subjectAltName=${addresses.join(',')}\n`);
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
    '-out', 'server.crt', '-days', '1', '-extfile', 'server.ext');
  openssl('genrsa', '-out', 'sa.key', '2048');
  openssl('rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub');
  fs.writeFileSync(path.join(dir, 'tokens.csv'), `${token},admin,admin,system:masters\n`, { mode: 0o600 });
}

function startEtcd(dir: string, clientPort: number, peerPort: number): ChildProcess {
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  return startLogged(dir, 'etcd', findEtcd(), [
    '--name', 'local', '--data-dir', path.join(dir, 'etcd'),
    '--listen-client-urls', client, '--advertise-client-urls', client,
    '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer, '--initial-cluster', `local=${peer}`,
    '--log-level', 'warn',
  ]);
}

function findEtcd(): string {
  for (const candidate of [path.join(TOOLS_BIN, 'etcd'), '/usr/bin/etcd', '/usr/local/bin/etcd']) {
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error('etcd not found: install Debian\'s etcd-server package (apt-get install etcd-server)');
}

/**
 * Pod Security Admission enforcing "baseline" in every namespace that does not say otherwise, as a
 * hardened cluster does: the install must converge there on the level its namespace asks for.
 */
const POD_SECURITY_BASELINE = {
  apiVersion: 'apiserver.config.k8s.io/v1',
  kind: 'AdmissionConfiguration',
  plugins: [{
    name: 'PodSecurity',
    configuration: {
      apiVersion: 'pod-security.admission.config.k8s.io/v1',
      kind: 'PodSecurityConfiguration',
      defaults: { 'enforce': 'baseline', 'enforce-version': 'latest', 'audit': 'baseline', 'audit-version': 'latest' },
      exemptions: { usernames: [], runtimeClasses: [], namespaces: ['kube-system'] },
    },
  }],
};

function startApiServer(dir: string, etcdPort: number, apiPort: number, release: Release, podFacingAddress: string | undefined): ChildProcess {
  const admission = path.join(dir, 'admission.json');
  fs.writeFileSync(admission, JSON.stringify(POD_SECURITY_BASELINE));
  return startLogged(dir, 'kube-apiserver', path.join(release.bin, 'kube-apiserver'), [
    `--etcd-servers=http://127.0.0.1:${etcdPort}`,
    // Every address of the namespace when pods must reach it: that namespace is the e2e's own.
    `--bind-address=${podFacingAddress ? '0.0.0.0' : '127.0.0.1'}`, `--advertise-address=${podFacingAddress ?? '127.0.0.1'}`, `--secure-port=${apiPort}`,
    `--cert-dir=${path.join(dir, 'certs')}`,
    `--tls-cert-file=${path.join(dir, 'server.crt')}`, `--tls-private-key-file=${path.join(dir, 'server.key')}`,
    `--token-auth-file=${path.join(dir, 'tokens.csv')}`, '--authorization-mode=RBAC',
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${path.join(dir, 'sa.pub')}`, `--service-account-signing-key-file=${path.join(dir, 'sa.key')}`,
    '--service-cluster-ip-range=10.96.0.0/24', '--allow-privileged=true', '--profiling=false',
    '--enable-priority-and-fairness=false', `--admission-control-config-file=${admission}`, '--v=0',
    ...apiServerFlags(release, podFacingAddress === undefined),
  ]);
}

/** Starts a server in a process group of its own, logging to `<name>.log` in the folder. */
function startLogged(dir: string, name: string, executable: string, args: string[], env?: NodeJS.ProcessEnv): ChildProcess {
  const log = fs.openSync(path.join(dir, `${name}.log`), 'a');
  const child = spawnTied([executable, ...args], { stdio: ['ignore', log, log], env: { ...process.env, ...env } });
  fs.closeSync(log);
  return child;
}

/** Signals the child's whole process group. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

/** An error naming the first process that exited, with the last lines of every log, or undefined. */
function failedProcess(processes: readonly ChildProcess[], dir: string): Error | undefined {
  const exited = processes.find((child) => child.exitCode !== null);
  return exited ? new Error(`${exited.spawnargs[3]} exited with ${exited.exitCode}:\n${tailLogs(dir)}`) : undefined;
}

function writeKubeconfig(dir: string, apiPort: number, token: string): string {
  const file = path.join(dir, 'kubeconfig');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'local', cluster: { server: `https://127.0.0.1:${apiPort}`, 'certificate-authority': path.join(dir, 'ca.crt') } }],
    users: [{ name: 'admin', user: { token } }],
    contexts: [{ name: 'local', context: { cluster: 'local', user: 'admin', namespace: 'default' } }],
    'current-context': 'local',
  };
  // JSON is YAML: kubectl reads it as a kubeconfig.
  fs.writeFileSync(file, JSON.stringify(config, null, 2), { mode: 0o600 });
  return file;
}

async function waitUntilReady(kubectl: LocalCluster['kubectl'], processes: ChildProcess[], dir: string): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const failure = failedProcess(processes, dir);
    if (failure) throw failure;
    if (kubectl(['get', '--raw', '/readyz']).stdout.trim() === 'ok') return;
    await sleep(500);
  }
  throw new Error(`kube-apiserver was not ready after ${STARTUP_TIMEOUT_MS / 1000}s:\n${tailLogs(dir)}`);
}

function tailLogs(dir: string): string {
  return fs.readdirSync(dir).filter((file) => file.endsWith('.log')).map((file) => `--- ${file}\n${logEnd(path.join(dir, file), 15).join('\n')}`).join('\n');
}

/** The last lines of a server's log (none while it has written none). */
export function logEnd(log: string, lines: number): string[] {
  return fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n').slice(-lines) : [];
}

async function stopAll(processes: ChildProcess[]): Promise<void> {
  // The API server first, so it does not log etcd's disappearance.
  for (const child of [...processes].reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    signalGroup(child, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
