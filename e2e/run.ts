import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DEFAULT_ENVIRONMENT, environmentOutdir, loadEnvironments } from '../lib/config/loader';
import { prometheusSettings } from '../lib/charts/prometheus-chart';
import { BOOK_DEFAULTS } from '../lib/config/schema';
import { prometheusTemplateRequest } from '../lib/prometheus/settings';
import { ensureChart } from '../lib/helm/chart-archive';
import { readChartLock } from '../lib/helm/chart-lock';
import { findHelm } from '../lib/helm/helm-binary';
import { runTemplate } from '../lib/helm/helm-template';
import { readManifestFolder } from '../lib/manifests/folder';
import { Manifest } from '../lib/manifests/manifest';
import { POD_SECURITY_ENFORCE_LABEL } from '../lib/manifests/metadata';
import { PROJECT_ROOT } from '../lib/support/project-root';
import { parseDocuments } from '../lib/manifests/yaml';
import { Checks, expectExit, expectLine, expectSuccess, literal, preflight, synthWith } from './check';
import { claimBound, deploymentAvailable, jobComplete, nodeExporterOn, noPendingPods, waitFor } from './converge';
import { configChangeSteps, namespaceSteps } from './day2';
import { argoCdSteps } from './argocd-steps';
import { argoCdVersion } from './argocd';
import { fluxSteps, sharedClusterSteps } from './gitops';
import { convergedSteps, readInstall, storedAsWritten, releasedVolumeStep, tolerationNegativeStep, uninstallStep } from './lifecycle';
import { LocalCluster, LocalClusterOptions, startLocalCluster } from './local-cluster';
import { pinnedReleases, Release, selectedReleases } from './releases';
import { upgradeSteps } from './upgrade';
import { PodRunner } from './pod-runner';
import { ProgramsRun, programsSteps } from './programs-steps';
import { BOOK_LAB_NODES } from './simulated-nodes';
import { externalIp, hasExternalIp, LAB_ADDRESS_RANGE, LAB_LOAD_BALANCER_ADDRESS, MetalLb, metalLbVersion } from './metallb';

/*
 * `npm run e2e`: for each pinned Kubernetes release (e2e/releases.ts), the lab synthesized for that
 * release's target goes onto a real kube-apiserver, controllers and scheduler of that release on
 * 127.0.0.1 with kwok nodes shaped like the book's lab, under Pod Security "baseline" by default:
 * preflight, apply, convergence, stored as written and stable, config changes over the install, a
 * reinstall, the raw chart output refused. Then the environment in its own namespace converges on a
 * control plane of its own target, and on each release the book's install is upgraded to today's chart
 * by preflight's printed steps and converges.
 */

const ENVIRONMENT = DEFAULT_ENVIRONMENT;
/** The other environment of the committed config, and its namespace. */
const OTHER = { environment: 'staging', namespace: 'monitoring' };
const CONFIG_DIR = path.join(PROJECT_ROOT, 'config', 'environments');
/** The environment on today's chart: the lab's install, upgraded. */
const TODAY = 'today';

/** One cluster's worth of checks, run by a process of its own side by side with the others. A part is a row of PARTS. */
interface Part {
  /** The value of E2E_PART that runs this part alone. */
  readonly name: string;
  /** What it shows on a release: the heading of its output, after the release's name. */
  readonly title: (release: Release) => string;
  /** Run in a network namespace of its own, with only a loopback: for servers that listen on every address. */
  readonly ownNetwork: boolean;
  /** Whether it runs on the release, of those selected (oldest first). */
  readonly runsOn: (release: Release, selected: readonly Release[]) => boolean;
  /** Its checks on the release; what they proved, for its last line. */
  readonly run: (checks: Checks, release: Release) => Promise<string[]>;
}

const onEveryRelease = (): boolean => true;
const onNewestRelease = (release: Release, selected: readonly Release[]): boolean => release === selected[selected.length - 1];

/**
 * The parts, in the order each release starts them. The lab, the upgrade and Argo CD run servers that listen on every
 * address (MetalLB's controller, Argo CD's application controller) and the programs make a bridge of their own: each of
 * those needs a network namespace of its own.
 */
const PARTS: readonly Part[] = [
  { name: 'lab', title: (release) => `the lab for target ${release.target}`, ownNetwork: true, runsOn: onEveryRelease, run: labPart },
  { name: 'flux', title: () => 'Flux follows a Git repository of the folders', ownNetwork: false, runsOn: onNewestRelease, run: fluxPart },
  {
    name: 'argocd', title: () => `Argo CD ${argoCdVersion()} follows a Git repository of the folders`, ownNetwork: true, runsOn: onNewestRelease,
    run: argoCdPart,
  },
  { name: 'upgrade', title: () => 'the book\'s install upgraded to today\'s chart', ownNetwork: true, runsOn: onEveryRelease, run: upgradePart },
  {
    name: 'programs', title: (release) => `the programs of ${programsEnvironments(release).join(', then ')} run from the stored pods`,
    ownNetwork: true, runsOn: onEveryRelease, run: programsPart,
  },
  {
    name: 'staging', title: () => `${OTHER.environment}, in namespace ${OTHER.namespace}`, ownNetwork: false,
    // The other environment runs on the release its config targets.
    runsOn: (release) => configuredTargets().get(OTHER.environment) === release.target, run: stagingPart,
  },
];

/** The lab's checks on one cluster; what they proved, for the part's summary. */
function runSteps(checks: Checks, cluster: LocalCluster, outdir: string): string[] {
  const DIST = environmentOutdir(outdir, ENVIRONMENT);
  const install = readInstall(DIST);
  const expected = install.manifests;
  const kubectl = cluster.kubectl;
  const facts = [`${BOOK_LAB_NODES.length} nodes`];

  checks.step('preflight without MetalLB fails, naming what to install', () => {
    const result = preflight(cluster, ENVIRONMENT, outdir);
    expectExit(result, 1, 'preflight');
    expectLine(result.stdout, /^FAIL {2}metallb: MetalLB not found \(no CRD ipaddresspools\.metallb\.io\): install MetalLB/);
    expectLine(result.stdout, /^ok {4}helm: helm v3\./);
    expectLine(result.stdout, /^ok {4}PersistentVolume: PersistentVolume prometheus-server does not exist yet/);
  });

  podSecuritySteps(checks, cluster, outdir);
  facts.push('Pod Security baseline by default');

  const metallb = MetalLb.start(cluster);
  checks.step('MetalLB installed (its CRDs, RBAC and controller) without a pool: preflight says the Service would stay <pending>', () => {
    const result = preflight(cluster, ENVIRONMENT, outdir);
    expectExit(result, 1, 'preflight');
    expectLine(result.stdout, /^FAIL {2}metallb: MetalLB is installed but has no IPAddressPool: the LoadBalancer Service default\/prometheus-server would stay <pending>; .*192\.168\.1\.11-192\.168\.1\.49/);
  });

  checks.step('with the book\'s IPAddressPool and an L2Advertisement, preflight passes', () => {
    metallb.addLabPool();
    const result = preflight(cluster, ENVIRONMENT, outdir);
    expectExit(result, 0, 'preflight');
    expectLine(result.stdout, new RegExp(`^ok {4}metallb: IPAddressPool metallb-system/\\S+ \\(${literal(LAB_ADDRESS_RANGE)}\\) announced by L2Advertisement `));
  });

  checks.step('preflight reports an existing PersistentVolume with another NFS path, and does not touch it', () => {
    const conflicting = [
      'apiVersion: v1', 'kind: PersistentVolume', 'metadata: {name: prometheus-server}',
      'spec: {capacity: {storage: 10Gi}, accessModes: [ReadWriteMany], nfs: {server: 192.168.1.10, path: /nfs_shared/other}}', '',
    ].join('\n');
    expectSuccess(kubectl(['create', '-f', '-'], conflicting), 'create conflicting PV');
    const result = preflight(cluster, ENVIRONMENT, outdir);
    expectExit(result, 1, 'preflight');
    const conflict = 'PersistentVolume prometheus-server exists with spec.nfs.path "/nfs_shared/other" (dist/ has "/nfs_shared/prometheus/server")';
    expectLine(result.stdout, new RegExp(`^FAIL {2}PersistentVolume: ${literal(conflict)}`));
    const path = expectSuccess(kubectl(['get', 'pv', 'prometheus-server', '-o', 'jsonpath={.spec.nfs.path}']), 'read PV');
    if (path !== '/nfs_shared/other') throw new Error(`preflight changed the PV: ${path}`);
    expectSuccess(kubectl(['delete', 'pv', 'prometheus-server', '--timeout=60s']), 'delete conflicting PV');
  });

  checks.step(`kubectl apply --dry-run=server accepts all ${expected.length} objects`, () => {
    expectSuccess(kubectl(['apply', '--dry-run=server', '-f', DIST]), 'server-side dry run');
  });

  checks.step('kubectl apply -f dist/ (the whole folder at once, as Flux does) creates every object of the default environment', () => {
    const output = expectSuccess(kubectl(['apply', '-f', DIST]), 'apply');
    const created = output.trim().split('\n').filter((line) => / created$/.test(line));
    if (created.length !== expected.length) throw new Error(`expected ${expected.length} created, got:\n${output}`);
  });

  convergedSteps(checks, cluster, install, BOOK_LAB_NODES);
  facts.push('claim Bound', 'Job Complete', `node-exporter ${BOOK_LAB_NODES.length}/${BOOK_LAB_NODES.length}`);

  const service = install.loadBalancerService || '(no LoadBalancer Service)';
  let externalAddress = '';
  checks.step(`kubectl get service ${service}: EXTERNAL-IP ${LAB_LOAD_BALANCER_ADDRESS}, from MetalLB's controller`, () => {
    waitFor(`EXTERNAL-IP ${LAB_LOAD_BALANCER_ADDRESS}`, hasExternalIp(cluster, install.namespace, service));
    externalAddress = externalIp(cluster, install.namespace, service);
    process.stdout.write(`# kubectl get service ${service}: EXTERNAL-IP ${externalAddress}\n`);
  });
  facts.push(`EXTERNAL-IP ${externalAddress} from MetalLB ${metalLbVersion()}`);

  checks.step('every object reads back as dist/ wrote it', () => storedAsWritten(cluster, install));

  checks.step('a second apply changes nothing', () => {
    const output = expectSuccess(kubectl(['apply', '-f', DIST]), 'second apply');
    const changed = output.trim().split('\n').filter((line) => !/ unchanged$/.test(line));
    if (changed.length > 0) throw new Error(`changed on re-apply:\n${changed.join('\n')}`);
  });
  facts.push('re-apply unchanged');

  checks.step('kubectl diff is empty', () => {
    const result = kubectl(['diff', '-f', DIST]);
    if (result.status !== 0 || result.stdout !== '') throw new Error(`diff (exit ${result.status}):\n${result.stdout}${result.stderr}`);
  });

  checks.step('preflight passes against the applied objects', () => {
    const result = preflight(cluster, ENVIRONMENT, outdir);
    expectExit(result, 0, 'preflight');
    expectLine(result.stdout, /^ok {4}PersistentVolumeClaim: PersistentVolumeClaim prometheus-server exists and matches dist\//);
  });

  checks.step('the chart\'s raw output, without the apiVersion rewrite, is refused by the same server', () => {
    const helm = findHelm();
    const chartPath = ensureChart(readChartLock('edu/prometheus'), { helm });
    const raw = runTemplate({ helm, chartPath, request: prometheusTemplateRequest(prometheusSettings(BOOK_DEFAULTS)) });
    const result = kubectl(['apply', '--dry-run=server', '-f', '-'], raw);
    if (result.status === 0) throw new Error('the server accepted the raw chart output');
    if (!result.stderr.includes('no matches for kind "ClusterRole" in version "rbac.authorization.k8s.io/v1beta1"')) {
      throw new Error(`refused for another reason: ${result.stderr}`);
    }
  });

  sharedClusterSteps(checks, cluster, install);
  facts.push('two installs on one cluster');

  const changedDist = configChangeSteps(checks, cluster, install, outdir);
  facts.push('uid change converged', 'storage-size change refused by preflight');
  try {
    const changed = readInstall(changedDist);
    uninstallStep(checks, cluster, changed);
    const nodeNames = BOOK_LAB_NODES.map((node) => node.name);
    checks.step('kubectl apply -f again: the reinstall converges: claim Bound, Job Complete, node-exporter everywhere, Deployments Available, nothing Pending', () => {
      expectSuccess(kubectl(['apply', '-f', changed.folder]), 'reinstall');
      waitFor('claim Bound', claimBound(kubectl, changed.namespace, changed.claim));
      waitFor('Job Complete', jobComplete(kubectl, changed.namespace, changed.job));
      waitFor('node-exporter', nodeExporterOn(kubectl, changed.namespace, nodeNames));
      for (const deployment of changed.deployments) waitFor(deployment, deploymentAvailable(kubectl, changed.namespace, deployment));
      waitFor('no Pending pod', noPendingPods(kubectl, changed.namespace));
    });
    facts.push('reinstall converged');
    releasedVolumeStep(checks, cluster, changed, ENVIRONMENT, changedDist);
    facts.push('released volume re-bound');
    tolerationNegativeStep(checks, cluster, changed, BOOK_LAB_NODES);
  } finally {
    fs.rmSync(path.dirname(changedDist), { recursive: true, force: true });
  }

  const version = JSON.parse(expectSuccess(kubectl(['version', '-o', 'json']), 'version')) as { serverVersion: { gitVersion: string } };
  return [`${expected.length} objects converged on kube-apiserver ${version.serverVersion.gitVersion}`, ...facts];
}

/**
 * Pod Security on the default namespace, which the lab does not create: under the cluster's "baseline",
 * preflight names node-exporter's pods as rejected and the one command that admits them.
 */
function podSecuritySteps(checks: Checks, cluster: LocalCluster, outdir: string): void {
  const command = `kubectl label --overwrite namespace default ${POD_SECURITY_ENFORCE_LABEL}=privileged`;
  checks.step('preflight names the pods Pod Security "baseline" would reject in namespace default, and the command that admits them', () => {
    const result = preflight(cluster, ENVIRONMENT, outdir);
    expectExit(result, 1, 'preflight');
    const rejected = 'namespace default enforces Pod Security "baseline", which rejects the pods of DaemonSet prometheus-node-exporter '
      + '(host namespaces';
    expectLine(result.stdout, new RegExp(`^FAIL {2}pod-security: ${literal(rejected)}.*allow it: ${literal(command)}$`));
    expectLine(result.stdout, /^ok {4}pod-security: namespace default admits the pods of Deployment prometheus-server$/);
    expectLine(result.stdout, /^ok {4}pod-security: namespace default admits the pods of Job prometheus-server-nfs-prep-[0-9a-f]{8}$/);
  });
  checks.step('after that command, preflight finds every pod admitted', () => {
    expectSuccess(cluster.kubectl(command.split(' ').slice(1)), command);
    const result = preflight(cluster, ENVIRONMENT, outdir);
    if (/^FAIL {2}pod-security/m.test(result.stdout)) throw new Error(`still rejected:\n${result.stdout}`);
  });
}

/** The environment in its own namespace, onto a fresh control plane of its target: it converges as it is. */
function ownNamespaceSteps(checks: Checks, cluster: LocalCluster): void {
  const committed = path.join(PROJECT_ROOT, 'dist');
  namespaceSteps(checks, cluster, OTHER.environment, OTHER.namespace, committed);
  convergedSteps(checks, cluster, readInstall(environmentOutdir(committed, OTHER.environment)), BOOK_LAB_NODES);
}

async function withCluster<T>(options: LocalClusterOptions, body: (cluster: LocalCluster) => T | Promise<T>): Promise<T> {
  const started = Date.now();
  const cluster = await startLocalCluster(options);
  const simulation = `, kube-controller-manager, kube-scheduler and kwok with ${options.nodes?.length} nodes`;
  const parts = `etcd and kube-apiserver ${options.release.version}${options.nodes ? simulation : ''}`;
  process.stdout.write(`# ${parts} up on 127.0.0.1 in ${((Date.now() - started) / 1000).toFixed(1)}s (${os.cpus().length} cores)\n`);
  try {
    return await body(cluster);
  } finally {
    await cluster.stop();
  }
}

/** The environments whose programs run on a release: the lab; on the newest pinned release, then today's install. */
function programsEnvironments(release: Release): string[] {
  return release.module === pinnedReleases().slice(-1)[0].module ? [ENVIRONMENT, TODAY] : [ENVIRONMENT];
}

/**
 * The install's own programs (e2e/pod-runner.ts), in this part's own network namespace where m-k8s's address
 * is the API server's: the lab; on the newest release, then today's install on a fresh control plane and the
 * same export, so today's Prometheus opens the data the book's wrote.
 */
async function programsPart(checks: Checks, release: Release): Promise<string[]> {
  const controlPlane = BOOK_LAB_NODES.find((node) => node.controlPlane)?.internalIp ?? '';
  PodRunner.createNetwork(controlPlane);
  const environments = programsEnvironments(release);
  const outdir = synthWith(release, { SYNTH_ENVIRONMENTS: environments.join(',') });
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-programs-'));
  const runs: ProgramsRun[] = [];
  try {
    for (const environment of environments) {
      process.stdout.write(`# ${environment}: its programs, from the pods the API server stores\n`);
      runs.push(await withCluster({ release, nodes: BOOK_LAB_NODES, podFacingAddress: controlPlane }, async (cluster) => {
        const runner = new PodRunner(cluster, BOOK_LAB_NODES, path.join(scratch, 'nfs'), path.join(scratch, environment));
        try {
          return programsSteps(checks, cluster, runner, readInstall(environmentOutdir(outdir, environment)), BOOK_LAB_NODES, runs[runs.length - 1]);
        } finally {
          await runner.stopAll();
        }
      }));
    }
  } finally {
    fs.rmSync(path.dirname(outdir), { recursive: true, force: true });
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  return [`Prometheus ${runs.map((run) => `${run.version} (${run.targetsUp} targets up; Chromium on the book's host loaded ${run.pagesLoaded.join(', ')})`)
    .join(' then ')} ran from the stored pods on ${release.version}`];
}

/** The cdk8s CLI's own way: one valid stream of the default environment's objects, dist/ untouched. */
function cdk8sStdoutStep(checks: Checks, DIST: string): void {
  checks.step('npx cdk8s synth --stdout prints the default environment as valid multi-document YAML and leaves dist/ alone', () => {
    const before = readManifestFolder(DIST);
    const cli = path.join(PROJECT_ROOT, 'node_modules', 'cdk8s-cli', 'bin', 'cdk8s');
    const result = spawnSync(process.execPath, [cli, 'synth', '--stdout'], { cwd: PROJECT_ROOT, encoding: 'utf8' });
    expectSuccess({ status: result.status, stdout: result.stdout, stderr: result.stderr }, 'npx cdk8s synth --stdout');
    const printed = parseDocuments(result.stdout).map((document) => document.value as Manifest);
    if (JSON.stringify(printed) !== JSON.stringify(before)) throw new Error('the printed objects differ from dist/');
    if (JSON.stringify(readManifestFolder(DIST)) !== JSON.stringify(before)) throw new Error('dist/ changed');
  });
}

/** The committed dist/ when the lab already targets the release, else the lab synthesized for it. */
function labOutputFor(release: Release, labTarget: string): { outdir: string; temporary: boolean } {
  if (release.target === labTarget) return { outdir: path.join(PROJECT_ROOT, 'dist'), temporary: false };
  return { outdir: synthWith(release, { SYNTH_ENVIRONMENTS: ENVIRONMENT }), temporary: true };
}

function configuredTargets(): Map<string, string> {
  return new Map(loadEnvironments({ configDir: CONFIG_DIR, env: {} }).map((e) => [e.name, e.config.kubernetesVersion]));
}

/** The lab's checks, on the committed dist/ or the lab synthesized for the release's target. */
async function labPart(checks: Checks, release: Release): Promise<string[]> {
  const { outdir, temporary } = labOutputFor(release, configuredTargets().get(ENVIRONMENT) ?? '');
  try {
    return await withCluster({ release, nodes: BOOK_LAB_NODES }, (cluster) => runSteps(checks, cluster, outdir));
  } finally {
    if (temporary) fs.rmSync(path.dirname(outdir), { recursive: true, force: true });
  }
}

async function fluxPart(checks: Checks, release: Release): Promise<string[]> {
  const flux = await withCluster({ release, nodes: BOOK_LAB_NODES }, (cluster) => fluxSteps(checks, cluster));
  return [`Flux source- and kustomize-controller: ${flux.commits} commits followed from Git, the lab's ${flux.objects} objects, `
    + `switched to today's chart, on ${release.version}`];
}

async function argoCdPart(checks: Checks, release: Release): Promise<string[]> {
  const argo = await withCluster({ release, nodes: BOOK_LAB_NODES }, (cluster) => argoCdSteps(checks, cluster));
  return [`Argo CD ${argoCdVersion()}: ${argo.commits} commits followed from Git, the lab's ${argo.objects} objects Synced and Healthy `
    + `(EXTERNAL-IP ${argo.externalIp} from MetalLB; Progressing without a pool), selfHeal, on ${release.version}`];
}

async function upgradePart(checks: Checks, release: Release): Promise<string[]> {
  // The lab and today, both synthesized for this release's target.
  const outdir = synthWith(release, { SYNTH_ENVIRONMENTS: `${ENVIRONMENT},${TODAY}` });
  try {
    const upgrade = await withCluster({ release, nodes: BOOK_LAB_NODES }, (cluster) => upgradeSteps(checks, cluster, outdir, BOOK_LAB_NODES));
    return [`the book's install upgraded to today's chart in ${upgrade.steps} printed steps on ${release.version}, same claim and volume, `
      + 'today\'s chart converged'];
  } finally {
    fs.rmSync(path.dirname(outdir), { recursive: true, force: true });
  }
}

async function stagingPart(checks: Checks, release: Release): Promise<string[]> {
  await withCluster({ release, nodes: BOOK_LAB_NODES }, (cluster) => ownNamespaceSteps(checks, cluster));
  return [`${OTHER.environment} converged in namespace ${OTHER.namespace} on ${release.version}`];
}

/** Runs one part on its release and prints its facts as the last line. */
async function runPart(checks: Checks, part: Part, release: Release): Promise<void> {
  const started = Date.now();
  const facts = await part.run(checks, release);
  process.stdout.write(`e2e: ${checks.passed} checks passed; ${[...facts, `${Math.round((Date.now() - started) / 1000)}s`].join('; ')}\n`);
}

/**
 * How many parts run at once: each is a control plane of its own, and most of its time is spent waiting
 * on controllers' timers and back-offs, not on the two cores.
 */
const PARTS_AT_ONCE = 3;

/** A part on a release, as runParts starts it. */
interface PartRun {
  readonly title: string;
  readonly env: NodeJS.ProcessEnv;
  readonly ownNetwork: boolean;
}

/** The command of a part: this script again, in a network namespace of its own where the part asks for one. */
function partCommand(run: PartRun): [string, string[]] {
  if (!run.ownNetwork) return [process.execPath, [__filename]];
  return ['unshare', ['--net', '--', 'sh', '-c', 'ip link set lo up && exec "$0" "$@"', process.execPath, __filename]];
}

/** Runs the parts as child processes, PARTS_AT_ONCE at a time; prints each one's output whole, in order. */
async function runParts(runs: readonly PartRun[]): Promise<string[]> {
  const outputs: Array<Promise<{ status: number | null; output: string }>> = [];
  const slots: Array<Promise<unknown>> = [];
  for (const run of runs) {
    while (slots.length >= PARTS_AT_ONCE) await Promise.race(slots);
    const done = new Promise<{ status: number | null; output: string }>((resolve) => {
      const [command, args] = partCommand(run);
      const child = spawn(command, args, { env: { ...process.env, ...run.env }, stdio: ['ignore', 'pipe', 'inherit'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
      child.once('close', (status) => resolve({ status, output }));
    });
    outputs.push(done);
    const slot: Promise<unknown> = done.then(() => slots.splice(slots.indexOf(slot), 1));
    slots.push(slot);
  }
  const lastLines: string[] = [];
  const failed: string[] = [];
  for (const [index, pending] of outputs.entries()) {
    const { status, output } = await pending;
    process.stdout.write(`# ${runs[index].title}\n${output}`);
    if (status !== 0) failed.push(runs[index].title);
    lastLines.push(output.trim().split('\n').pop() ?? '');
  }
  if (failed.length > 0) throw new Error(`${failed.join('; ')}: failed (see above)`);
  return lastLines;
}

async function main(checks: Checks): Promise<void> {
  const name = process.env.E2E_PART;
  const releases = selectedReleases();
  if (name) {
    const part = PARTS.find((candidate) => candidate.name === name);
    if (!part) throw new Error(`E2E_PART is "${name}": expected one of ${PARTS.map((candidate) => candidate.name).join(', ')}`);
    await runPart(checks, part, releases[0]);
    return;
  }
  const lab = environmentOutdir(path.join(PROJECT_ROOT, 'dist'), ENVIRONMENT);
  if (!fs.existsSync(lab)) throw new Error(`${lab} does not exist: run npm run synth first`);
  const started = Date.now();
  cdk8sStdoutStep(checks, lab);
  // Newest release first: its lab and Flux are the longest parts, so they start first.
  const runs: PartRun[] = [...releases].reverse().flatMap((release) => PARTS.filter((part) => part.runsOn(release, releases)).map((part) => ({
    title: `Kubernetes ${release.version}: ${part.title(release)}`,
    env: { E2E_PART: part.name, E2E_KUBE: release.module },
    ownNetwork: part.ownNetwork,
  })));
  const lastLines = await runParts(runs);
  const total = checks.passed + lastLines.reduce((sum, line) => sum + Number(/^e2e: (\d+) checks passed/.exec(line)?.[1] ?? 0), 0);
  // What each part proved is its own last line's: the summary only gathers them.
  const proved = lastLines.flatMap((line) => line.split('; ').slice(1, -1));
  process.stdout.write(`e2e: ${total} checks passed; ${[...proved, `${Math.round((Date.now() - started) / 1000)}s`].join('; ')}\n`);
}
/** This process's checks: a part's own, or the one check the whole run makes before it starts the parts. */
const checks = new Checks();
main(checks).catch((error: Error) => {
  process.stdout.write(`not ok ${checks.passed + 1} - ${error.message}\n`);
  process.stderr.write(`e2e: failed: ${error.message.split('\n')[0]}\n`);
  process.exitCode = 1;
});
