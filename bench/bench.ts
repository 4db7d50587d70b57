import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { prometheusSettings } from '../lib/charts/prometheus-settings';
import { loadEnvironments } from '../lib/config/loader';
import { prometheusTemplateRequest } from '../lib/prometheus/values';
import { ensureChart } from '../lib/helm/chart-archive';
import { readChartLock } from '../lib/helm/chart-lock';
import { findHelm, HelmBinary } from '../lib/helm/helm-binary';
import { renderEnvironment, templateFlags } from '../lib/helm/helm-template';
import { SYNTH_NODE_ARGS } from '../lib/app/synth-command';
import { PROJECT_ROOT } from '../lib/support/project-root';

/*
 * `npm run bench`: times synth of the lab (the book's chart) and of today (today's chart) each against
 * the floor no implementation can avoid (helm template of the same chart and values, plus an empty
 * cdk8s app built the same way), `npm test`, and synth of
 * 1, 10 and 50 generated environments. Each figure is the median of RUNS runs after one warm-up
 * (SLOW_RUNS for `npm test` and the scaling, which take seconds each).
 * Writes bench/results.json and BENCHMARKS.md.
 */

/** Runs of the sub-second figures: enough that the ratio moves by a few hundredths between benches, not tenths. */
const RUNS = Number(process.env.BENCH_RUNS ?? 21);
const SLOW_RUNS = Number(process.env.BENCH_SLOW_RUNS ?? 7);
const SCALES = [1, 10, 50];
const BUILD = path.join(PROJECT_ROOT, 'build');

interface Sample {
  readonly seconds: number;
  readonly maxRssMb: number;
}

interface Quartiles {
  readonly p25: number;
  readonly median: number;
  readonly p75: number;
}

interface ScalePoint {
  readonly median_s: number;
  readonly per_env_s: number;
  readonly peak_rss_mb: number;
}

/** One environment's synth against its floor. */
interface FloorComparison {
  readonly synth_median_s: number;
  readonly floor_median_s: number;
  readonly ratio: number;
  readonly floor_strict_median_s: number;
  readonly ratio_strict: number;
  readonly ratio_by_run: Quartiles;
}

/** What bench/results.json holds. */
interface BenchResults {
  readonly date: string;
  readonly machine: { cpus: number; cpu_model: string; memory_gb: number; node: string; helm: string };
  readonly runs: number;
  readonly slow_runs: number;
  readonly synth_median_s: number;
  readonly synth_warm_median_s: number;
  readonly synth_first_run_median_s: number;
  readonly floor_median_s: number;
  readonly ratio: number;
  readonly floor_strict_median_s: number;
  readonly ratio_strict: number;
  /** synth / floor of each interleaved pair: quartiles, to show how far one bench's ratio can move. */
  readonly ratio_by_run: Quartiles;
  readonly test_median_s: number;
  readonly per_env_s: Record<string, number>;
  readonly scaling: Record<string, ScalePoint>;
  readonly synth_peak_rss_mb: number;
  /** The environment on today's chart against its own floor. */
  readonly today: FloorComparison;
}

interface Command {
  readonly file: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));

/** Runs a command under GNU time: wall seconds and the peak resident memory of its process tree. */
function run(command: Command): Sample {
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

/** One warm-up, then `runs` timed iterations; `prepare` runs untimed before each. */
function measure(name: string, iteration: () => Sample, prepare: () => void = () => undefined, runs = RUNS): Sample[] {
  prepare();
  iteration();
  const samples: Sample[] = [];
  for (let i = 0; i < runs; i += 1) {
    prepare();
    samples.push(iteration());
  }
  process.stderr.write(`bench: ${name}: median ${median(samples.map((s) => s.seconds)).toFixed(3)} s over ${runs} runs\n`);
  return samples;
}

function median(values: number[]): number {
  return quantile(values, 0.5);
}

/** Linear interpolation between the closest ranks. */
function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
}

function quartiles(values: number[]): Quartiles {
  return { p25: round(quantile(values, 0.25)), median: round(quantile(values, 0.5)), p75: round(quantile(values, 0.75)) };
}

function clear(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** The code cache of every synth here; only the first-run figure empties it. */
const codeCache = path.join(work, 'code-cache');

function synthCommand(configDir: string, renderCache: string): Command {
  return {
    file: process.execPath,
    args: SYNTH_NODE_ARGS,
    env: { SYNTH_CONFIG_DIR: configDir, CDK8S_OUTDIR: path.join(work, 'out', 'dist'), RENDER_CACHE_DIR: renderCache, CODE_CACHE_DIR: codeCache },
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

/**
 * Cold synth and both floors, interleaved run by run after one warm-up of each, so all see the same
 * machine: on a shared host one and the same command drifts by 10-20 % within minutes.
 */
type FloorRun = 'synthCold' | 'floor' | 'floorStrict';

function measureAgainstFloors(runners: Record<FloorRun, () => Sample>): Record<FloorRun, Sample[]> {
  const names = Object.keys(runners) as (keyof typeof runners)[];
  const samples = { synthCold: [] as Sample[], floor: [] as Sample[], floorStrict: [] as Sample[] };
  for (const name of names) runners[name]();
  for (let i = 0; i < RUNS; i += 1) {
    for (const name of names) samples[name].push(runners[name]());
  }
  for (const name of names) {
    process.stderr.write(`bench: ${name}: median ${median(samples[name].map((s) => s.seconds)).toFixed(3)} s over ${RUNS} runs\n`);
  }
  return samples;
}

/**
 * helm template, then the empty cdk8s app, one after the other under one shell, so the floor pays
 * this harness's cost of starting a process once, as synth does. (That cost is small, about 3 ms:
 * timing the two as separate processes gave the same floor within 1 ms.)
 */
function floorCommand(helm: string, templateArgs: readonly string[], codeCacheHook: boolean, env: NodeJS.ProcessEnv = {}): Command {
  return {
    file: '/bin/sh',
    args: ['-c', '"$0" "$@" > /dev/null && exec "$FLOOR_NODE" ${FLOOR_HOOK:+--require "$FLOOR_HOOK"} "$FLOOR_APP"', helm, ...templateArgs],
    env: {
      ...env,
      FLOOR_NODE: process.execPath,
      FLOOR_HOOK: codeCacheHook ? path.join(BUILD, 'code-cache-hook.js') : '',
      FLOOR_APP: path.join(BUILD, 'empty-app.js'),
      CDK8S_OUTDIR: path.join(work, 'empty'),
      CODE_CACHE_DIR: codeCache,
    },
  };
}

/** A config folder holding one committed environment, so synth builds that one alone. */
function oneEnvironment(name: string): string {
  const dir = path.join(work, `${name}-config`);
  fs.mkdirSync(dir);
  fs.copyFileSync(path.join(PROJECT_ROOT, 'config', 'environments', `${name}.yaml`), path.join(dir, `${name}.yaml`));
  return dir;
}

/**
 * Synth of one environment (render cache emptied before each run) interleaved with its floors: the
 * floor as the issue words it, plain `helm template` of the same chart and values and the plain empty
 * app; the strict floor gives those the speed-ups synth has (helm's environment, the code cache), so
 * its ratio is what synth adds of its own.
 */
function compareWithFloor(configDir: string, renderCache: string, helm: HelmBinary): Record<FloorRun, Sample[]> {
  const [environment] = loadEnvironments({ configDir, env: {} });
  const request = prometheusTemplateRequest(prometheusSettings(environment.config));
  const chartPath = ensureChart(readChartLock(request.chart), { helm });
  const valuesFile = path.join(work, `${path.basename(configDir)}-values.json`);
  fs.writeFileSync(valuesFile, JSON.stringify(request.values));
  const templateArgs = templateFlags({ helm, chartPath, request }).map((arg) => (arg === '-' ? valuesFile : arg));
  return measureAgainstFloors({
    synthCold: () => {
      clear(renderCache);
      return run(synthCommand(configDir, renderCache));
    },
    floor: () => run(floorCommand(helm.path, templateArgs, false)),
    floorStrict: () => run(floorCommand(helm.path, templateArgs, true, renderEnvironment())),
  });
}

function comparison({ synthCold, floor, floorStrict }: Record<FloorRun, Sample[]>): FloorComparison {
  const synthMedian = median(synthCold.map((s) => s.seconds));
  const floorMedian = median(floor.map((s) => s.seconds));
  const floorStrictMedian = median(floorStrict.map((s) => s.seconds));
  return {
    synth_median_s: round(synthMedian),
    floor_median_s: round(floorMedian),
    ratio: round(synthMedian / floorMedian),
    floor_strict_median_s: round(floorStrictMedian),
    ratio_strict: round(synthMedian / floorStrictMedian),
    ratio_by_run: quartiles(synthCold.map((sample, i) => sample.seconds / floor[i].seconds)),
  };
}

function main(): void {
  const build = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'scripts', 'build.mjs')], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('build failed');
  const helm = findHelm();
  const renderCache = path.join(work, 'renders');
  const labOnly = oneEnvironment('lab');
  const labRuns = compareWithFloor(labOnly, renderCache, helm);
  const lab = comparison(labRuns);
  const today = comparison(compareWithFloor(oneEnvironment('today'), renderCache, helm));
  const synthWarm = measure('synth, warm render cache', () => run(synthCommand(labOnly, renderCache)));
  const clearBoth = () => {
    clear(renderCache);
    clear(codeCache);
  };
  const synthLab = () => run(synthCommand(labOnly, renderCache));
  const synthFirstRun = measure('synth, first run after a build (no render cache, no code cache)', synthLab, clearBoth);

  const tests = measure('npm test', () => run({ file: 'npm', args: ['test', '--silent'] }), undefined, SLOW_RUNS);

  const scaling: Record<string, ScalePoint> = {};
  for (const count of SCALES) {
    const configDir = generateEnvironments(count);
    const synthAll = () => run(synthCommand(configDir, renderCache));
    const samples = measure(`synth of ${count} environments, cold`, synthAll, () => clear(renderCache), SLOW_RUNS);
    const seconds = median(samples.map((s) => s.seconds));
    const peakRssMb = round(Math.max(...samples.map((s) => s.maxRssMb)), 1);
    scaling[count] = { median_s: round(seconds), per_env_s: round(seconds / count), peak_rss_mb: peakRssMb };
  }

  const results: BenchResults = {
    date: new Date().toISOString().slice(0, 10),
    machine: {
      cpus: os.cpus().length,
      cpu_model: os.cpus()[0]?.model ?? 'unknown',
      memory_gb: round(os.totalmem() / 2 ** 30, 1),
      node: process.version,
      helm: helm.version,
    },
    runs: RUNS,
    slow_runs: SLOW_RUNS,
    synth_median_s: lab.synth_median_s,
    synth_warm_median_s: round(median(synthWarm.map((s) => s.seconds))),
    synth_first_run_median_s: round(median(synthFirstRun.map((s) => s.seconds))),
    floor_median_s: lab.floor_median_s,
    ratio: lab.ratio,
    floor_strict_median_s: lab.floor_strict_median_s,
    ratio_strict: lab.ratio_strict,
    ratio_by_run: lab.ratio_by_run,
    test_median_s: round(median(tests.map((s) => s.seconds))),
    per_env_s: Object.fromEntries(SCALES.map((count) => [count, scaling[count].per_env_s])),
    scaling,
    synth_peak_rss_mb: round(Math.max(...labRuns.synthCold.map((s) => s.maxRssMb)), 1),
    today,
  };
  fs.mkdirSync(path.join(PROJECT_ROOT, 'bench'), { recursive: true });
  fs.writeFileSync(path.join(PROJECT_ROOT, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  fs.writeFileSync(path.join(PROJECT_ROOT, 'BENCHMARKS.md'), renderReport(results));
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
}

function round(value: number, digits = 3): number {
  return Number(value.toFixed(digits));
}

function renderReport(r: BenchResults): string {
  const scalingRow = (count: number) => `| ${count} | ${r.scaling[count].median_s} | ${r.scaling[count].per_env_s} | ${r.scaling[count].peak_rss_mb} |`;
  const scalingRows = SCALES.map(scalingRow).join('\n');
  return `# Benchmarks

Written by \`npm run bench\` (bench/bench.ts) on ${r.date}. Machine: ${r.machine.cpus} cores (${r.machine.cpu_model}),
${r.machine.memory_gb} GiB, Node ${r.machine.node}, helm ${r.machine.helm}. Every figure is the median of ${r.runs} runs after
one warm-up (${r.slow_runs} for \`npm test\` and the scaling), timed around the whole process (wall clock); memory is the peak resident set of the process tree
(GNU time \`%M\`). Raw figures: \`bench/results.json\`.

## Synth against the floor

| what | command | median (s) |
| --- | --- | --- |
| synth, cold render cache | \`node --require build/code-cache-hook.js build/main.js\` (lab only), render cache emptied before each run (code cache kept, as after any earlier synth of the same build), interleaved run by run with both floors | ${r.synth_median_s} |
| synth, warm render cache | the same, render cache kept | ${r.synth_warm_median_s} |
| synth, first run after a build | render cache and code cache emptied before each run | ${r.synth_first_run_median_s} |
| floor | \`helm template\` of the same chart and values, then an empty cdk8s app bundled the same way, one after the other under one \`sh\` (so the harness starts one process, as for synth) | ${r.floor_median_s} |
| **ratio** | synth (cold) / floor | **${r.ratio}** |
| strict floor | the same two, given synth's own speed-ups: helm with synth's environment (its own helm home; Go's collector as set), the empty app through the code cache | ${r.floor_strict_median_s} |
| strict ratio | synth (cold) / strict floor: what synth adds of its own | ${r.ratio_strict} |

Run by run, synth (cold) / floor of each interleaved pair: median ${r.ratio_by_run.median}, middle half
${r.ratio_by_run.p25}–${r.ratio_by_run.p75}.

### Today's chart

The environment \`today\` (prometheus-community/prometheus 29.27.0), measured the same way against its own floor
(\`helm template\` of that chart with its values, then the empty app):

| what | median (s) |
| --- | --- |
| synth, cold render cache (today only) | ${r.today.synth_median_s} |
| floor | ${r.today.floor_median_s} |
| **ratio** | **${r.today.ratio}** |
| strict floor | ${r.today.floor_strict_median_s} |
| strict ratio | ${r.today.ratio_strict} |

Run by run: median ${r.today.ratio_by_run.median}, middle half ${r.today.ratio_by_run.p25}–${r.today.ratio_by_run.p75}.

The chart archive is cached and verified in every case (pulling it is network time, not synth).
Peak memory of a synth: ${r.synth_peak_rss_mb} MB.

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
