import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tar from 'tar';
import { SYNTH_NODE_ARGS } from '../lib/app/synth-command';
import { prometheusSettings } from '../lib/charts/prometheus-chart';
import { loadEnvironments } from '../lib/config/loader';
import { ensureChart } from '../lib/helm/chart-archive';
import { readChartLock } from '../lib/helm/chart-lock';
import { findHelm, HelmBinary, TOOLS_BIN } from '../lib/helm/helm-binary';
import { templateFlags, TemplateRequest } from '../lib/helm/helm-template';
import { prometheusTemplateRequest } from '../lib/prometheus/settings';
import { PROJECT_ROOT } from '../lib/support/project-root';

/*
 * `npm run bench`: for the lab (the book's chart) and today (today's chart), one environment each, times
 * side by side, interleaved round by round so that all see the same machine:
 *   - synth, render cache emptied before each run (cold) and kept (warm);
 *   - the floor: `helm template` of the same chart and values, then an empty cdk8s app bundled like main.ts;
 *   - the idiomatic peer: cdk8s-core's Helm construct rendering the same chart and values in a minimal app
 *     (bench/helm-app.ts), bundled the same way;
 *   - `kustomize build --enable-helm` of the same chart and values, what Flux and Argo CD run.
 * Then `npm test`, and synth of 1, 3, 10 and 50 generated environments. Medians of RUNS rounds after one
 * warm-up (SLOW_RUNS for `npm test` and the scaling, which take seconds each). Writes bench/results.json
 * and BENCHMARKS.md.
 */

const RUNS = Number(process.env.BENCH_RUNS ?? 21);
const SLOW_RUNS = Number(process.env.BENCH_SLOW_RUNS ?? 7);
const SCALES = [1, 3, 10, 50];
const BUILD = path.join(PROJECT_ROOT, 'build');
const COMMANDS = ['synthCold', 'synthWarm', 'floor', 'helmApp', 'kustomize'] as const;
type CommandName = typeof COMMANDS[number];

interface Sample {
  readonly seconds: number;
  readonly maxRssMb: number;
}

interface Command {
  readonly file: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** Runs untimed before each timed run. */
  readonly prepare?: () => void;
}

/** One environment: the median of each command, and synth (cold) against each of the others. */
interface Comparison {
  readonly median_s: Record<CommandName, number>;
  readonly synth_cold_over: { floor: number; helm_app: number; kustomize: number };
  readonly synth_warm_over_cold: number;
  readonly peak_rss_mb: Record<CommandName, number>;
}

interface ScalePoint {
  readonly median_s: number;
  readonly per_env_s: number;
  readonly peak_rss_mb: number;
}

/** What bench/results.json holds. */
interface BenchResults {
  readonly date: string;
  readonly machine: { cpus: number; cpu_model: string; memory_gb: number; node: string; helm: string; kustomize: string };
  readonly runs: number;
  readonly slow_runs: number;
  readonly lab: Comparison;
  readonly today: Comparison;
  readonly test_median_s: number;
  readonly scaling: Record<string, ScalePoint>;
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));

/** Runs a command under GNU time: wall seconds and the peak resident memory of its process tree. */
function run(command: Command): Sample {
  command.prepare?.();
  const timeFile = path.join(work, 'time.txt');
  const started = process.hrtime.bigint();
  const result = spawnSync('/usr/bin/time', ['-f', '%M', '-o', timeFile, command.file, ...command.args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...command.env },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) {
    throw new Error(`${command.file} ${command.args.join(' ')} failed (exit ${result.status}): ${result.stderr.slice(-2000)}`);
  }
  const maxRssKb = Number(fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop());
  return { seconds, maxRssMb: maxRssKb / 1024 };
}

/** One warm-up of each command, then `runs` rounds of all of them in turn. */
function interleaved<K extends string>(commands: Record<K, Command>, runs: number): Record<K, Sample[]> {
  const names = Object.keys(commands) as K[];
  const samples = Object.fromEntries(names.map((name) => [name, [] as Sample[]])) as unknown as Record<K, Sample[]>;
  for (const name of names) run(commands[name]);
  for (let i = 0; i < runs; i += 1) {
    for (const name of names) samples[name].push(run(commands[name]));
  }
  for (const name of names) process.stderr.write(`bench: ${name}: median ${median(seconds(samples[name])).toFixed(3)} s over ${runs} runs\n`);
  return samples;
}

function seconds(samples: readonly Sample[]): number[] {
  return samples.map((sample) => sample.seconds);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = (sorted.length - 1) / 2;
  return (sorted[Math.floor(middle)] + sorted[Math.ceil(middle)]) / 2;
}

function round(value: number, digits = 3): number {
  return Number(value.toFixed(digits));
}

/** Node's own compile cache, as cdk8s.yaml runs synth with it (Node 22.1 and later use it), for every bundle here. */
const COMPILE_CACHE = { NODE_COMPILE_CACHE: path.join(work, 'compile-cache') };

function synthCommand(configDir: string, renderCache: string, cold: boolean): Command {
  return {
    file: process.execPath,
    args: SYNTH_NODE_ARGS,
    env: { SYNTH_CONFIG_DIR: configDir, CDK8S_OUTDIR: path.join(work, 'out', 'dist'), RENDER_CACHE_DIR: renderCache, ...COMPILE_CACHE },
    prepare: cold ? () => fs.rmSync(renderCache, { recursive: true, force: true }) : undefined,
  };
}

/** A config folder holding one committed environment, so synth builds that one alone. */
function oneEnvironment(name: string): string {
  const dir = path.join(work, `${name}-config`);
  fs.mkdirSync(dir);
  fs.copyFileSync(path.join(PROJECT_ROOT, 'config', 'environments', `${name}.yaml`), path.join(dir, `${name}.yaml`));
  return dir;
}

/** The same render as each peer gets it: the verified chart archive, and the values as a file. */
interface PeerInputs {
  readonly request: TemplateRequest;
  readonly chartPath: string;
  readonly valuesFile: string;
}

function peerInputs(name: string, configDir: string, helm: HelmBinary): PeerInputs {
  const [environment] = loadEnvironments({ configDir, env: {} });
  const request = prometheusTemplateRequest(prometheusSettings(environment.config));
  const chartPath = ensureChart(readChartLock(request.chart), { helm });
  // JSON is YAML: helm, cdk8s and kustomize read it as a values file.
  const valuesFile = path.join(work, `${name}-values.yaml`);
  fs.writeFileSync(valuesFile, JSON.stringify(request.values));
  return { request, chartPath, valuesFile };
}

/** helm template, then the empty app, under one shell, so the harness starts one process, as for synth. */
function floorCommand(helm: HelmBinary, { request, chartPath, valuesFile }: PeerInputs): Command {
  const templateArgs = templateFlags({ helm, chartPath, request }).map((arg) => (arg === '-' ? valuesFile : arg));
  return {
    file: '/bin/sh',
    args: ['-c', '"$0" "$@" > /dev/null && exec "$FLOOR_NODE" "$FLOOR_APP"', helm.path, ...templateArgs],
    env: { FLOOR_NODE: process.execPath, FLOOR_APP: path.join(BUILD, 'empty-app.js'), CDK8S_OUTDIR: path.join(work, 'empty'), ...COMPILE_CACHE },
  };
}

function helmAppCommand(helm: HelmBinary, { request, chartPath, valuesFile }: PeerInputs): Command {
  return {
    file: process.execPath,
    args: [path.join(BUILD, 'helm-app.js')],
    env: {
      BENCH_CHART: chartPath, BENCH_VALUES: valuesFile, BENCH_RELEASE: request.releaseName, BENCH_NAMESPACE: request.namespace,
      BENCH_KUBE_VERSION: `v${request.kubernetesVersion}.0`, BENCH_HELM: helm.path, CDK8S_OUTDIR: path.join(work, 'helm-app'), ...COMPILE_CACHE,
    },
  };
}

/** A kustomization inflating the chart (unpacked under its chartHome) with the same values, for the same target. */
function kustomizeCommand(name: string, kustomize: string, helm: HelmBinary, { request, chartPath, valuesFile }: PeerInputs): Command {
  const dir = path.join(work, `${name}-kustomize`);
  fs.mkdirSync(path.join(dir, 'charts'), { recursive: true });
  tar.x({ file: chartPath, cwd: path.join(dir, 'charts'), sync: true });
  const chartName = request.chart.split('/').pop() as string;
  // Kustomize reads only files inside the kustomization's folder.
  fs.copyFileSync(valuesFile, path.join(dir, 'values.yaml'));
  fs.writeFileSync(path.join(dir, 'kustomization.yaml'), JSON.stringify({
    helmGlobals: { chartHome: 'charts' },
    helmCharts: [{
      name: chartName, releaseName: request.releaseName, namespace: request.namespace, valuesFile: 'values.yaml',
      includeCRDs: true, skipTests: true, kubeVersion: request.kubernetesVersion,
    }],
  }));
  return { file: kustomize, args: ['build', '--enable-helm', '--helm-command', helm.path, dir] };
}

function compare(name: string, helm: HelmBinary, kustomize: string): Comparison {
  const configDir = oneEnvironment(name);
  const renderCache = path.join(work, `${name}-renders`);
  const inputs = peerInputs(name, configDir, helm);
  const samples = interleaved<CommandName>({
    synthCold: synthCommand(configDir, renderCache, true),
    synthWarm: synthCommand(configDir, renderCache, false),
    floor: floorCommand(helm, inputs),
    helmApp: helmAppCommand(helm, inputs),
    kustomize: kustomizeCommand(name, kustomize, helm, inputs),
  }, RUNS);
  const medians = Object.fromEntries(COMMANDS.map((command) => [command, round(median(seconds(samples[command])))])) as Record<CommandName, number>;
  return {
    median_s: medians,
    synth_cold_over: {
      floor: round(medians.synthCold / medians.floor),
      helm_app: round(medians.synthCold / medians.helmApp),
      kustomize: round(medians.synthCold / medians.kustomize),
    },
    synth_warm_over_cold: round(medians.synthWarm / medians.synthCold),
    peak_rss_mb: Object.fromEntries(COMMANDS.map((command) => [command, round(Math.max(...samples[command].map((s) => s.maxRssMb)), 1)])) as
      Record<CommandName, number>,
  };
}

/** N environments, each with its own namespace and NFS server, so each needs its own render. */
function generateEnvironments(count: number): string {
  const dir = path.join(work, `envs-${count}`);
  fs.mkdirSync(dir, { recursive: true });
  for (let i = 1; i <= count; i += 1) {
    const name = `env-${String(i).padStart(3, '0')}`;
    const server = `10.0.${Math.floor(i / 250)}.${(i % 250) + 1}`;
    fs.writeFileSync(path.join(dir, `${name}.yaml`), JSON.stringify({ namespace: name, nfs: { server } }));
  }
  return dir;
}

function main(): void {
  const bundles = ['main', 'empty-app', 'helm-app'];
  const build = spawnSync('sh', [path.join(PROJECT_ROOT, 'scripts', 'build.sh'), ...bundles], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('build failed');
  // cdk8s's Yaml.load runs the script beside the code that calls it: in a bundle, beside the bundle.
  fs.copyFileSync(path.join(PROJECT_ROOT, 'node_modules', 'cdk8s', 'lib', '_loadurl.mjs'), path.join(BUILD, '_loadurl.mjs'));
  const installed = spawnSync('bash', [path.join(PROJECT_ROOT, 'scripts', 'install-tools.sh'), 'kustomize'], { stdio: 'inherit' });
  if (installed.status !== 0) throw new Error('installing kustomize failed');
  const kustomize = path.join(TOOLS_BIN, 'kustomize');
  const helm = findHelm();

  const lab = compare('lab', helm, kustomize);
  const today = compare('today', helm, kustomize);
  const tests = interleaved({ test: { file: 'npm', args: ['test', '--silent'] } }, SLOW_RUNS).test;

  const scaling: Record<string, ScalePoint> = {};
  for (const count of SCALES) {
    const samples = interleaved({ synth: synthCommand(generateEnvironments(count), path.join(work, 'renders'), true) }, SLOW_RUNS).synth;
    const middle = median(seconds(samples));
    const peakRssMb = round(Math.max(...samples.map((s) => s.maxRssMb)), 1);
    scaling[count] = { median_s: round(middle), per_env_s: round(middle / count), peak_rss_mb: peakRssMb };
  }

  const results: BenchResults = {
    date: new Date().toISOString().slice(0, 10),
    machine: {
      cpus: os.cpus().length,
      cpu_model: os.cpus()[0]?.model ?? 'unknown',
      memory_gb: round(os.totalmem() / 2 ** 30, 1),
      node: process.version,
      helm: helm.version,
      kustomize: fs.readFileSync(path.join(TOOLS_BIN, '.kustomize.version'), 'utf8').trim(),
    },
    runs: RUNS,
    slow_runs: SLOW_RUNS,
    lab,
    today,
    test_median_s: round(median(seconds(tests))),
    scaling,
  };
  fs.writeFileSync(path.join(PROJECT_ROOT, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  fs.writeFileSync(path.join(PROJECT_ROOT, 'BENCHMARKS.md'), report(results));
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
}

function comparisonRows(c: Comparison): string {
  return [
    `| synth, cold render cache | \`node build/main.js\` as cdk8s.yaml runs it, render cache emptied before each run | ${c.median_s.synthCold} | 1 |`,
    `| synth, warm render cache | the same, render cache kept | ${c.median_s.synthWarm} | ${c.synth_warm_over_cold} |`,
    `| cdk8s-core's \`Helm\` app | the chart alone through cdk8s's own \`Helm\` construct, bundled the same way (bench/helm-app.ts) | ${c.median_s.helmApp} | ${c.synth_cold_over.helm_app} |`,
    `| Kustomize | \`kustomize build --enable-helm\` of the same chart and values (what Flux and Argo CD run) | ${c.median_s.kustomize} | ${c.synth_cold_over.kustomize} |`,
    `| floor | \`helm template\`, then an empty cdk8s app bundled the same way | ${c.median_s.floor} | ${c.synth_cold_over.floor} |`,
  ].join('\n');
}

function report(r: BenchResults): string {
  const scalingRows = SCALES.map((count) => `| ${count} | ${r.scaling[count].median_s} | ${r.scaling[count].per_env_s} | ${r.scaling[count].peak_rss_mb} |`).join('\n');
  const table = '| what | command | median (s) | synth (cold) / this |\n| --- | --- | --- | --- |';
  return `# Benchmarks

Written by \`npm run bench\` (bench/bench.ts) on ${r.date}. Machine: ${r.machine.cpus} cores (${r.machine.cpu_model}),
${r.machine.memory_gb} GiB, Node ${r.machine.node}, helm ${r.machine.helm}, kustomize ${r.machine.kustomize}. Each figure is the
median of ${r.runs} rounds after one warm-up (${r.slow_runs} for \`npm test\` and the scaling), timed around the whole
process (wall clock). In each round every command of a table runs once, in turn, so all see the same machine.
Raw figures, with peak memory: \`bench/results.json\`.

## The book's chart (lab, one environment)

${table}
${comparisonRows(r.lab)}

## Today's chart (today, one environment)

${table}
${comparisonRows(r.today)}

Synth writes the whole install (storage, the prep Job, the hardened chart and its NetworkPolicies); the peers
render the chart alone. Each chart archive is cached and verified before the runs (pulling it is network time).

## Tests

\`npm test\` (type-check, lint and unused exports side by side, then every jest suite): **${r.test_median_s} s**.

## Many environments

Synth of generated environments, each with its own namespace and NFS server (so each needs its own helm
render), render cache emptied before each run:

| environments | median (s) | per environment (s) | peak memory (MB) |
| --- | --- | --- | --- |
${scalingRows}
`;
}

try {
  main();
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
