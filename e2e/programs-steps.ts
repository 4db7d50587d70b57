import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Manifest, podSpecOf } from '../lib/manifests/manifest';
import { parseYaml } from '../lib/manifests/yaml';
import { PROJECT_ROOT } from '../lib/support/project-root';
import { POD_SECURITY_ENFORCE_LABEL } from '../lib/manifests/metadata';
import { BOOK_HOST, loadPage, screenshot, SCREENSHOTS, tableRows } from './browser';
import { Checks, expectSuccess, literal } from './check';
import { getJson, Probe, waitFor } from './converge';
import { Install, selectorOf } from './lifecycle';
import { startKubeProxies } from './kube-proxy';
import { LocalCluster } from './local-cluster';
import { hasExternalIp, LAB_LOAD_BALANCER_ADDRESS, MetalLb, metalLbVersion } from './metallb';
import { PodRunner, RunningPod } from './pod-runner';
import { StoredPod } from './stored-pod';
import { sleepSync } from './processes';
import { SimulatedNode } from './simulated-nodes';

/*
 * The install's own programs, run by e2e/pod-runner.ts from the pods the API server stores: the prep Job's
 * command prepares the export; Prometheus starts with the rendered flags as the rendered user, keeps its data
 * on the claim, finds the cluster through its ServiceAccount and scrapes what it finds; the reloader brings a
 * ConfigMap change to the running server. Negatives: a data folder left to root stops the server; a flag
 * Prometheus 3 removed stops it.
 */

/** What one install's run leaves for the next (today's server reads the book's data). */
export interface ProgramsRun {
  /** Prometheus' version, as its build info reports it. */
  readonly version: string;
  /** A moment (Unix seconds) at which the server had scraped itself: its data holds a sample from before. */
  readonly scrapedAt: number;
  /** Targets up at the end, by scrape URL. */
  readonly targetsUp: number;
  /** The pages Chromium on the book's host loaded through the Service's EXTERNAL-IP. */
  readonly pagesLoaded: readonly string[];
}

interface Target {
  scrapeUrl: string;
  health: string;
  lastError: string;
  labels: Record<string, string>;
}

/** A request with curl, in the network namespace given or this one: status and body (status 0 when nothing answers). */
function curlRequest(url: string, method: string, netns?: string): { status: number; body: string } {
  const curl = ['curl', '-sS', '--max-time', '5', '-X', method, '-o', '-', '-w', '\n%{http_code}', url];
  const [command, ...args] = netns ? ['nsenter', `--net=${netns}`, ...curl] : curl;
  const output = spawnSync(command, args, { encoding: 'utf8' }).stdout ?? '';
  const split = output.lastIndexOf('\n');
  return { status: Number(output.slice(split + 1)) || 0, body: output.slice(0, split) };
}

/** GET on a URL from this namespace (the pods' addresses are routed to their bridge): status and body. */
function httpGet(url: string, method = 'GET'): { status: number; body: string } {
  return curlRequest(url, method);
}

function apiGet<T>(server: string, endpoint: string): T {
  const response = httpGet(`http://${server}:9090${endpoint}`);
  if (response.status !== 200) throw new Error(`GET ${endpoint}: HTTP ${response.status} ${response.body.slice(0, 200)}`);
  return (JSON.parse(response.body) as { data: T }).data;
}

/** The Deployment whose pods run the image's program, by a test on its containers' images. */
function workload(install: Install, kind: string, image: RegExp): Manifest {
  const found = install.manifests.find((m) => m.kind === kind && podSpecOf(m)?.containers.some((c) => image.test(c.image ?? '')));
  if (!found) throw new Error(`no ${kind} in ${install.folder} runs an image matching ${image}`);
  return found;
}

/** `/proc/<pid>/status` fields. */
function processStatus(pid: number): Record<string, string> {
  return Object.fromEntries(fs.readFileSync(`/proc/${pid}/status`, 'utf8').trim().split('\n').map((line) => {
    const [key, ...value] = line.split(':');
    return [key, value.join(':').trim()];
  }));
}

/**
 * Fails unless the running container runs as the uid and gid its pod asks for, with no capability, no new
 * privileges and its root read-only (what the install's hardening renders for every long-running container).
 */
function expectHardened(runner: PodRunner, running: RunningPod, container: string): void {
  const context = { ...running.pod.spec.securityContext, ...running.pod.spec.containers.find((c) => c.name === container)?.securityContext };
  const uid = context.runAsUser ?? 0;
  const gid = context.runAsGroup ?? 0;
  const pid = runner.programPid(running, container);
  const status = processStatus(pid);
  const where = `${running.pod.metadata.name}/${container} (pid ${pid})`;
  if (status.Uid.split(/\s+/)[0] !== String(uid) || status.Gid.split(/\s+/)[0] !== String(gid)) {
    throw new Error(`${where} runs as ${status.Uid} / ${status.Gid}, expected ${uid}:${gid}`);
  }
  for (const set of ['CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb']) {
    if (!/^0+$/.test(status[set])) throw new Error(`${where} keeps capabilities: ${set} ${status[set]}`);
  }
  if (status.NoNewPrivs !== '1') throw new Error(`${where} may gain privileges (NoNewPrivs ${status.NoNewPrivs})`);
  const root = fs.readFileSync(`/proc/${pid}/mountinfo`, 'utf8').split('\n').find((line) => line.split(' ')[4] === '/');
  if (!root || !root.split(' ')[5].split(',').includes('ro')) throw new Error(`${where}: its root is not read-only: ${root}`);
}

/** Waits until the pod answers its own readiness probe (an HTTP GET on its address). */
function waitReady(runner: PodRunner, running: RunningPod, container: string, timeoutMs = 90_000): void {
  const spec = running.pod.spec.containers.find((c) => c.name === container);
  const probe = spec?.readinessProbe?.httpGet;
  const port = typeof probe?.port === 'number' ? probe.port : spec?.ports?.find((p) => p.name === probe?.port)?.containerPort;
  const url = `http://${running.pod.status.podIP}:${port}${probe?.path ?? '/'}`;
  waitFor(`${running.pod.metadata.name}/${container} ready (${url})`, () => {
    if (!runner.isRunning(running, container)) throw new Error(`${container} exited:\n${runner.logOf(running, container)}`);
    return httpGet(url).status === 200 ? undefined : `not ready:\n${runner.logOf(running, container, 5)}`;
  }, timeoutMs);
}

/** Waits for the container to exit; its log. */
function waitExit(runner: PodRunner, running: RunningPod, container: string): string {
  waitFor(`${container} exits`, () => (runner.isRunning(running, container) ? `still running:\n${runner.logOf(running, container)}` : undefined), 60_000);
  return runner.logOf(running, container, 40);
}

type PodStatus = StoredPod & {
  metadata: { deletionTimestamp?: string };
  status: { phase?: string; conditions?: Array<{ type: string; status: string }> };
};

/**
 * Every pod of the install has its address and is Ready (the Job's has Succeeded) as kwok reports them. kwok
 * sometimes gives a host-network pod its default node IP (127.0.0.1, its `--node-ip`) instead of its node's; the
 * endpoints controller leaves a loopback address out of the Endpoints, so the server would not find that
 * node-exporter. Such a pod is deleted, and its DaemonSet makes another, as a node's restart would.
 */
function podsReady(cluster: LocalCluster, namespace: string, nodes: readonly SimulatedNode[]): Probe {
  return () => {
    // A pod being deleted (one of those below, say) is gone soon: what replaces it is waited for instead.
    const pods = getJson<{ items: PodStatus[] }>(cluster.kubectl, ['get', 'pods', '-n', namespace]).items
      .filter((pod) => !pod.metadata.deletionTimestamp);
    const misaddressed = pods.filter((pod) => pod.spec.hostNetwork && pod.status.podIP
      && pod.status.podIP !== nodes.find((node) => node.name === pod.spec.nodeName)?.internalIp);
    for (const pod of misaddressed) expectSuccess(cluster.kubectl(['delete', 'pod', '-n', namespace, pod.metadata.name, '--wait=false', '--ignore-not-found']), 'delete pod');
    if (misaddressed.length > 0) return `given kwok's default address, deleted: ${misaddressed.map((pod) => pod.metadata.name).join(', ')}`;
    const ready = (pod: PodStatus): boolean => pod.status.phase === 'Succeeded'
      || (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
    const missing = pods.filter((pod) => !pod.status.podIP || !ready(pod)).map((pod) => pod.metadata.name);
    return pods.length === 0 ? 'no pods yet' : missing.length > 0 ? `not ready: ${missing.join(', ')}` : undefined;
  };
}

/**
 * One install's programs on a cluster whose API server faces the pods at the control plane's address.
 * `previous`: what the book's server left on the same export, which this (today's) server must read.
 */
export function programsSteps(checks: Checks, cluster: LocalCluster, runner: PodRunner, install: Install, nodes: readonly SimulatedNode[],
  previous?: ProgramsRun): ProgramsRun {
  const { kubectl } = cluster;
  const ns = install.namespace;
  const server = workload(install, 'Deployment', /\/prometheus:v/);
  const serverSpec = podSpecOf(server);
  const uid = Number(serverSpec?.securityContext?.runAsUser);
  const gid = Number(serverSpec?.securityContext?.runAsGroup);
  const kubeStateMetrics = workload(install, 'Deployment', /kube-state-metrics:v/);
  const pv = install.manifests.find((m) => m.kind === 'PersistentVolume')?.spec as { nfs: { server: string; path: string } };
  const dataDir = runner.nfsPath(pv.nfs.server, pv.nfs.path);
  const exportRoot = runner.nfsPath(pv.nfs.server, path.dirname(path.dirname(pv.nfs.path)));
  let serverPod: RunningPod | undefined;
  let version = '';

  checks.step(`applied as a user applies it; every pod Ready with the address kwok gave it (the pods of ${nodes.length} nodes: ${nodes.map((n) => `${n.name} ${n.internalIp}`).join(', ')})`, () => {
    expectSuccess(kubectl(['label', '--overwrite', 'namespace', ns, `${POD_SECURITY_ENFORCE_LABEL}=privileged`]), 'label namespace');
    expectSuccess(kubectl(['apply', '-f', install.folder]), 'apply');
    waitFor('pods ready', podsReady(cluster, ns, nodes));
  });

  if (!previous) {
    checks.step(`the server on a data folder the Job has not prepared (root's, 0755) exits: permission denied, as the book's chown prevents`, () => {
      fs.mkdirSync(dataDir, { recursive: true, mode: 0o755 });
      const [name] = runner.podNames(ns, selectorOf(server) ?? '');
      const running = runner.start(ns, name);
      const log = waitExit(runner, running, 'prometheus-server');
      // Its own line for the first file it opens in the data folder, which the runner mounts at the flag's path.
      const tsdbPath = serverSpec?.containers.flatMap((c) => c.args ?? []).find((arg) => arg.startsWith('--storage.tsdb.path='))?.split('=')[1];
      const file = `${tsdbPath}/queries.active`;
      const refused = `component=activeQueryTracker msg="Error opening query log file" file=${file} err="open ${file}: permission denied"`;
      if (!new RegExp(`^level=error ts=\\S+ caller=\\S+ ${literal(refused)}$`, 'm').test(log)) throw new Error(`exited for another reason:\n${log}`);
      runner.stop(running);
    });

    checks.step('the prep Job\'s own command on an export that squashes root (root as nobody, no CHOWN): one line naming the folder, the owner and no_root_squash', () => {
      const [jobPod] = runner.podNames(ns, `job-name=${install.job}`);
      const squashed = { runAsUser: 65534, runAsGroup: 65534, capabilities: { drop: ['ALL'] } };
      const result = runner.runToCompletion(ns, jobPod, squashed);
      const expected = `cannot give /export/${path.relative(exportRoot, dataDir)} to ${uid}:${gid} (Operation not permitted): the Job runs as root, `
        + 'and the NFS export must let root do that: export it with no_root_squash (its line in /etc/exports on the NFS server, then exportfs -r)';
      if (result.status !== 1 || result.output.trim() !== expected) throw new Error(`the Job's command exited with ${result.status}: ${result.output}`);
      const owner = fs.statSync(dataDir);
      if (owner.uid !== 0) throw new Error(`${dataDir} is owned by ${owner.uid}:${owner.gid}: a squashed root changed it`);
      process.stdout.write(`# the Job printed: ${result.output.trim()}\n`);
    });
  }

  checks.step(`the prep Job's own command, as root with only CHOWN, under a POSIX sh: the export's server folder owned ${uid}:${gid}`, () => {
    const [jobPod] = runner.podNames(ns, `job-name=${install.job}`);
    const result = runner.runToCompletion(ns, jobPod);
    if (result.status !== 0) throw new Error(`the Job's command exited with ${result.status}: ${result.output}`);
    const owner = fs.statSync(dataDir);
    if (owner.uid !== uid || owner.gid !== gid) throw new Error(`${dataDir} is owned by ${owner.uid}:${owner.gid}: ${result.output}`);
    if (!fs.statSync(exportRoot).isDirectory()) throw new Error(`no export at ${exportRoot}`);
    process.stdout.write(`# the Job printed: ${result.output.trim()}\n`);
  });

  checks.step('the server starts from the stored pod and answers its readiness probe; its flags are the rendered ones', () => {
    const [name] = runner.podNames(ns, selectorOf(server) ?? '');
    serverPod = runner.start(ns, name);
    waitReady(runner, serverPod, 'prometheus-server');
    const flags = apiGet<Record<string, string>>(serverPod.pod.status.podIP as string, '/api/v1/status/flags');
    const container = serverSpec?.containers.find((c) => c.name === 'prometheus-server');
    for (const arg of container?.args ?? []) {
      const [flag, value] = arg.replace(/^--/, '').split('=');
      const actual = flags[flag];
      if (actual !== (value ?? 'true')) throw new Error(`flag ${flag}: the server runs with ${JSON.stringify(actual)}, the pod says ${JSON.stringify(value ?? 'true')}`);
    }
    version = apiGet<{ version: string }>(serverPod.pod.status.podIP as string, '/api/v1/status/buildinfo').version;
  });

  checks.step(`the server and its reloader run hardened: their uids, no capability, no new privileges, a read-only root; the TSDB is written as ${uid}:${gid}`, () => {
    const running = serverPod as RunningPod;
    for (const container of running.pod.spec.containers) expectHardened(runner, running, container.name);
    waitFor('the TSDB written', () => (fs.existsSync(path.join(dataDir, 'wal')) ? undefined : `no wal in ${dataDir}`), 30_000);
    const wrongOwner = fs.readdirSync(dataDir).map((entry) => path.join(dataDir, entry)).filter((file) => fs.statSync(file).uid !== uid);
    if (wrongOwner.length > 0) throw new Error(`not written as ${uid}: ${wrongOwner.join(', ')}`);
  });

  let targets: Target[] = [];
  checks.step(`node-exporter on ${nodes.length} nodes and kube-state-metrics start hardened (their uids, no capability, a read-only root); the server discovers them through its ServiceAccount and scrapes them, itself and the API server`, () => {
    const exporters = runner.settledPods(ns, install.nodeExporterSelector ?? '', nodes.length).map((pod) => runner.startPod(pod));
    const [ksm] = runner.settledPods(ns, selectorOf(kubeStateMetrics) ?? '', 1).map((pod) => runner.startPod(pod));
    for (const pod of [...exporters, ksm]) {
      waitReady(runner, pod, pod.pod.spec.containers[0].name);
      expectHardened(runner, pod, pod.pod.spec.containers[0].name);
    }
    const expected = [
      ...nodes.map((node) => `http://${node.internalIp}:9100/metrics`),
      `http://${ksm.pod.status.podIP}:8080/metrics`,
      `http://localhost:9090/metrics`,
      `https://${nodes.find((n) => n.controlPlane)?.internalIp}:${cluster.apiPort}/metrics`,
    ];
    waitFor('the targets up', () => {
      targets = apiGet<{ activeTargets: Target[] }>((serverPod as RunningPod).pod.status.podIP as string, '/api/v1/targets').activeTargets;
      const down = expected.filter((url) => !targets.some((t) => t.scrapeUrl === url && t.health === 'up'));
      return down.length === 0 ? undefined : `not up: ${down.map((url) => `${url} (${targets.find((t) => t.scrapeUrl === url)?.lastError ?? 'not discovered'})`).join('; ')}\n${runner.logOf(serverPod as RunningPod, 'prometheus-server', 12)}`;
    }, 150_000);
    const series = apiGet<{ result: unknown[] }>((serverPod as RunningPod).pod.status.podIP as string,
      `/api/v1/query?query=${encodeURIComponent(`kube_pod_info{pod="${(serverPod as RunningPod).pod.metadata.name}"}`)}`).result;
    if (series.length !== 1) throw new Error(`kube-state-metrics does not report the server's pod: ${JSON.stringify(series)}`);
  });

  if (previous) {
    checks.step(`the data the book's Prometheus ${previous.version} wrote on the claim is read by this one (${version}): its own build info, from before the upgrade`, () => {
      const result = apiGet<{ result: Array<{ metric: Record<string, string> }> }>((serverPod as RunningPod).pod.status.podIP as string,
        `/api/v1/query?query=prometheus_build_info&time=${previous.scrapedAt}`).result;
      if (!result.some((sample) => sample.metric.version === previous.version)) throw new Error(`no sample of ${previous.version} at ${previous.scrapedAt}: ${JSON.stringify(result)}`);
    });
  }

  checks.step('a config change reaches the running server: the ConfigMap edited, the kubelet\'s `..data` swap, the reloader calls the server\'s /-/reload', () => {
    const configMapName = (serverSpec?.volumes as Array<{ name: string; configMap?: { name: string } }>).find((v) => v.configMap)?.configMap?.name ?? '';
    const configMap = getJson<Manifest & { data: Record<string, string> }>(kubectl, ['get', 'configmap', '-n', ns, configMapName]);
    const config = parseYaml(configMap.data['prometheus.yml']) as { scrape_configs: object[] };
    // JSON is YAML: Prometheus reads it as its config.
    config.scrape_configs.push({ job_name: 'e2e-day2', static_configs: [{ targets: ['localhost:9090'] }] });
    const changed = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: configMapName, namespace: ns }, data: { ...configMap.data, 'prometheus.yml': JSON.stringify(config, null, 2) } };
    expectSuccess(kubectl(['apply', '-f', '-'], JSON.stringify(changed)), 'apply the changed ConfigMap');
    runner.syncConfigMaps();
    waitFor('the server runs the changed config', () => {
      const yaml = apiGet<{ yaml: string }>((serverPod as RunningPod).pod.status.podIP as string, '/api/v1/status/config').yaml;
      return yaml.includes('e2e-day2') ? undefined : 'not reloaded yet';
    }, 60_000);
  });

  checks.step('without its ClusterRoleBinding the restarted server\'s discovery is refused (forbidden for its ServiceAccount), nothing found; applied again, it finds the node exporters', () => {
    const running = serverPod as RunningPod;
    const account = running.pod.spec.serviceAccountName ?? 'default';
    const binding = install.manifests.find((m) => m.kind === 'ClusterRoleBinding'
      && (m as Manifest & { subjects?: Array<{ name: string }> }).subjects?.some((subject) => subject.name === account));
    if (!binding) throw new Error(`no ClusterRoleBinding for ServiceAccount ${account} in ${install.folder}`);
    expectSuccess(kubectl(['delete', 'clusterrolebinding', binding.metadata.name]), 'delete the binding');
    // The discovery lists when the server starts: restarted, it finds the binding gone.
    runner.restart(running, 'prometheus-server');
    const refused = new RegExp(`forbidden: User \\W{0,3}system:serviceaccount:${ns}:${account}\\W{0,3} cannot (list|watch) resource`);
    waitFor('discovery refused', () => (refused.test(runner.logOf(running, 'prometheus-server', 200)) ? undefined
      : `no ${refused} in its log:\n${runner.logOf(running, 'prometheus-server', 6)}`), 60_000);
    const discovered = (): number => apiGet<{ activeTargets: Target[] }>(running.pod.status.podIP as string, '/api/v1/targets').activeTargets
      .filter((t) => nodes.some((node) => t.scrapeUrl === `http://${node.internalIp}:9100/metrics`)).length;
    waitReady(runner, running, 'prometheus-server');
    if (discovered() !== 0) throw new Error('node-exporter discovered without the binding');
    expectSuccess(kubectl(['apply', '-f', install.folder]), 'apply the install again');
    waitFor('node-exporter discovered again', () => {
      const found = discovered();
      return found === nodes.length ? undefined : `${found} of ${nodes.length} node exporters discovered`;
    }, 90_000);
  });

  if (/^3\./.test(version)) {
    checks.step('Prometheus 3 refuses a flag it removed: the server\'s pod, given the book-era `--storage.tsdb.retention`, exits naming it', () => {
      // A pod of its own (no labels: no Service selects it), the stored server pod's spec with the flag added, for the
      // scheduler to place; the admission adds its own token volume again. It stops at the flag, before it opens any file.
      const stored = (serverPod as RunningPod).pod;
      const isToken = (name: string): boolean => name.startsWith('kube-api-access-');
      const { nodeName: _scheduled, ...unscheduled } = stored.spec;
      const spec = {
        ...unscheduled,
        volumes: (stored.spec.volumes ?? []).filter((volume) => !isToken(volume.name)),
        containers: stored.spec.containers.map((container) => ({
          ...container,
          volumeMounts: (container.volumeMounts ?? []).filter((mount) => !isToken(mount.name)),
          args: container.name === 'prometheus-server' ? [...(container.args ?? []), '--storage.tsdb.retention=15d'] : container.args,
        })),
      };
      const name = `${stored.metadata.name.slice(0, 40)}-removed-flag`;
      const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns }, spec };
      expectSuccess(kubectl(['create', '-f', '-'], JSON.stringify(pod)), 'create the pod with the removed flag');
      const log = waitExit(runner, runner.start(ns, name), 'prometheus-server');
      if (!/unknown long flag '--storage\.tsdb\.retention'/.test(log)) throw new Error(`exited for another reason:\n${log}`);
    });
  }

  const pagesLoaded = serviceSteps(checks, cluster, runner, install, nodes, version);

  const scrapedAt = Math.floor(Date.now() / 1000);
  // A moment after a scrape: the next install's server must find this second's sample of the build info.
  sleepSync(1000);
  return { version, scrapedAt, targetsUp: targets.filter((t) => t.health === 'up').length, pagesLoaded };
}

interface StoredService {
  metadata: { name: string };
  spec: { clusterIP: string; ports: Array<{ port: number; nodePort?: number }> };
}

/** GET from a network namespace: status and body (status 0 when nothing answers). */
function httpGetIn(netns: string, url: string): { status: number; body: string } {
  return curlRequest(url, 'GET', netns);
}

/** What `ip <object>` shows in a network namespace (`neigh`: its ARP table; `link`: its interfaces). */
function ipShow(netns: string, object: 'neigh' | 'link'): string {
  return spawnSync('nsenter', [`--net=${netns}`, 'ip', object], { encoding: 'utf8' }).stdout.trim();
}

/** The pages of each UI the browser checks: Prometheus 2's classic UI (its default), Prometheus 3's app. */
function uiPages(version: string): { home: string; targets: string; query: string } {
  return /^2\./.test(version)
    ? { home: '/', targets: '/targets', query: '/graph?g0.expr=up&g0.tab=1' }
    : { home: '/', targets: '/targets', query: '/query?g0.expr=up&g0.tab=table' };
}

/**
 * The server's Service as the book's reader reaches it: kube-proxy on every node routes its ClusterIP and NodePort
 * to the server's pod; the book's host opens the UI in a browser through it.
 */
function serviceSteps(checks: Checks, cluster: LocalCluster, runner: PodRunner, install: Install, nodes: readonly SimulatedNode[],
  version: string): string[] {
  const ns = install.namespace;
  if (!install.loadBalancerService) throw new Error(`no LoadBalancer Service in ${install.folder}`);
  const service = getJson<StoredService>(cluster.kubectl, ['get', 'service', '-n', ns, install.loadBalancerService]);
  const [{ port, nodePort }] = service.spec.ports;
  const workers = nodes.filter((node) => !node.controlPlane);
  const kubeVersion = path.basename(path.dirname(cluster.kubectlPath));
  const host = runner.labHost(BOOK_HOST);
  const serverOf = (response: { status: number; body: string }): string => (response.status === 200
    ? (JSON.parse(response.body) as { data: { version: string } }).data.version : `HTTP ${response.status || 'none'}`);

  checks.step(`kube-proxy ${kubeVersion} (iptables) in each node's network namespace: Service ${service.metadata.name} answers on ClusterIP `
    + `${service.spec.clusterIP}:${port} from the ${nodes.length} nodes, and on NodePort ${nodePort} at each node's address from the book's host ${BOOK_HOST}; `
    + 'before kube-proxy, nothing answers on the NodePort', () => {
    for (const node of workers) {
      const before = httpGetIn(host, `http://${node.internalIp}:${nodePort}/api/v1/status/buildinfo`);
      if (before.status !== 0) throw new Error(`${node.name}:${nodePort} answered HTTP ${before.status} before kube-proxy ran`);
    }
    startKubeProxies(cluster, nodes, (node) => runner.nodeNetwork(node));
    const routes = [
      ...nodes.map((node) => ({ from: runner.nodeNetwork(node), who: node.name, url: `http://${service.spec.clusterIP}:${port}/api/v1/status/buildinfo` })),
      ...nodes.map((node) => ({ from: host, who: BOOK_HOST, url: `http://${node.internalIp}:${nodePort}/api/v1/status/buildinfo` })),
    ];
    waitFor('the Service routed to the server', () => {
      const wrong = routes.map((route) => ({ ...route, answer: serverOf(httpGetIn(route.from, route.url)) }))
        .filter((route) => route.answer !== version);
      return wrong.length === 0 ? undefined : wrong.map((route) => `from ${route.who}, ${route.url}: ${route.answer}`).join('; ');
    }, 60_000);
    // The answer is the server's own: kube-proxy rewrote the address to its pod's.
    process.stdout.write(`# ${routes.length} routes to Prometheus ${version}: ${[...new Set(routes.map((route) => new URL(route.url).host))].join(', ')}\n`);
  });

  const base = `http://${LAB_LOAD_BALANCER_ADDRESS}`;
  checks.step(`MetalLB ${metalLbVersion()}: its controller, and a speaker in each node's network namespace (layer 2); Service ${service.metadata.name} `
    + `gets EXTERNAL-IP ${LAB_LOAD_BALANCER_ADDRESS} from the book's pool, and from the book's host ${base}/ is the server (a node answers ARP `
    + 'for the address; kube-proxy there rewrites it to the pod); before the speakers, nothing answers there', () => {
    const before = httpGetIn(host, `${base}/api/v1/status/buildinfo`);
    if (before.status !== 0) throw new Error(`${base} answered HTTP ${before.status} before MetalLB's speakers ran`);
    const metallb = MetalLb.start(cluster);
    const apiServer = `https://${nodes.find((node) => node.controlPlane)?.internalIp}:${cluster.apiPort}`;
    metallb.startSpeakers(nodes.map((node) => ({ name: node.name, netns: runner.nodeNetwork(node) })), apiServer);
    metallb.addLabPool();
    waitFor(`EXTERNAL-IP ${LAB_LOAD_BALANCER_ADDRESS}`, hasExternalIp(cluster, ns, service.metadata.name), 90_000);
    waitFor(`${base}/ from the book's host`, () => {
      const answer = serverOf(httpGetIn(host, `${base}/api/v1/status/buildinfo`));
      return answer === version ? undefined : `${answer}; the host's neighbours: ${ipShow(host, 'neigh')}\n`
        + metallb.speakerLinesAbout(`${ns}/${service.metadata.name}`, nodes.map((node) => node.name));
    }, 60_000);
    // Which node's speaker answered the host's ARP request: the address's hardware address is that node's.
    const mac = new RegExp(`^${LAB_LOAD_BALANCER_ADDRESS.replace(/\./g, '\\.')} .*lladdr (\\S+)`, 'm').exec(ipShow(host, 'neigh'))?.[1] ?? '';
    const announcer = nodes.find((node) => mac && ipShow(runner.nodeNetwork(node), 'link').includes(`link/ether ${mac}`));
    process.stdout.write(`# ${LAB_LOAD_BALANCER_ADDRESS} is at ${mac || '(no neighbour entry)'}: ${announcer?.name ?? 'no node'}'s\n`);
  });

  const [ksmName] = runner.podNames(ns, selectorOf(workload(install, 'Deployment', /kube-state-metrics:v/)) ?? '');
  const expected = [
    ...nodes.map((node) => `http://${node.internalIp}:9100/metrics`),
    `http://${runner.readPod(ns, ksmName).status.podIP}:8080/metrics`,
    'http://localhost:9090/metrics',
  ];
  const pages = uiPages(version);
  const shots = path.join(SCREENSHOTS, kubeVersion);
  checks.step(`Chromium on the book's host opens ${base}/ (Service ${service.metadata.name}'s EXTERNAL-IP): Prometheus ${version}'s UI loads; `
    + `${pages.targets} lists the ${nodes.length} node-exporters, kube-state-metrics and the server up; ${pages.query} returns a row per target; `
    + `screenshots in ${path.relative(PROJECT_ROOT, shots)}`, () => {
    // The server may still be re-discovering after the binding step: the browser reads what the API reads.
    waitFor('the targets up', () => {
      const response = httpGetIn(host, `${base}/api/v1/targets`);
      if (response.status !== 200) return `HTTP ${response.status}`;
      const active = (JSON.parse(response.body) as { data: { activeTargets: Target[] } }).data.activeTargets;
      const down = expected.filter((url) => !active.some((t) => t.scrapeUrl === url && t.health === 'up'));
      return down.length === 0 ? undefined : `not up: ${down.join(', ')}`;
    }, 120_000);
    const home = loadPage(host, `${base}${pages.home}`);
    if (!/<title>Prometheus Time Series Collection and Processing Server<\/title>/.test(home) || !/>\s*Alerts\s*</.test(home)) {
      throw new Error(`${base}${pages.home} is not Prometheus's UI:\n${home.slice(0, 400)}`);
    }
    const rows = tableRows(loadPage(host, `${base}${pages.targets}`));
    const notUp = expected.filter((url) => !rows.some((row) => row.includes(url) && /(^| )up( |$)/i.test(row)));
    if (notUp.length > 0) throw new Error(`${pages.targets} does not list up: ${notUp.join(', ')}; its rows:\n${rows.join('\n')}`);
    // A row of value 1 for each target, by its instance label (the scrape URL's host), not merely as many rows;
    // 2.19's console shows `instance="…"`, 3.14's table `instance = "…"`.
    const results = tableRows(loadPage(host, `${base}${pages.query}`)).filter((row) => /^up ?\{.*\} 1$/.test(row));
    const unanswered = expected.map((url) => new URL(url).host).filter((instance) => !results.some((row) => new RegExp(`instance ?= ?"${literal(instance)}"`).test(row)));
    if (unanswered.length > 0) throw new Error(`${pages.query}: no row of up = 1 for ${unanswered.join(', ')}; its rows of 1:\n${results.join('\n')}`);
    for (const [name, page] of [['targets', pages.targets], ['query', pages.query]]) {
      screenshot(host, `${base}${page}`, path.join(shots, `prometheus-${version}-${name}.png`));
    }
  });
  return [pages.home, pages.targets, pages.query].map((page) => `${base}${page}`);
}
