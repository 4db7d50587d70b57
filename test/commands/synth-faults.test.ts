import { ChildProcessWithoutNullStreams, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as tar from 'tar';
import { SYNTH_NODE_ARGS } from '../../lib/app/synth-command';
import { processState } from '../../lib/support/processes';
import { PROJECT_ROOT } from '../../lib/support/project-root';
import { BOOK_MIRROR, CDK8S_CLI, CHART_MIRROR_VALUE, cliEnvironment, prepareCliWorkdir, readTree, tempDir, TODAY_MIRROR } from '../helpers';

/*
 * The synth command under bad input and faults, table-driven: each case prepares a copy of a finished
 * output and a private temp folder, runs the real synth through each entry point a user has (the bundle
 * `npm run synth` runs, and `npx cdk8s synth`, whose CLI removes its output folder before the app runs),
 * and asserts the exit code, one line on stderr per problem without a stack trace, the output folders
 * byte-identical, and nothing left behind.
 */

const CONFIG_DIR = path.join(PROJECT_ROOT, 'config', 'environments');

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** What one case has to work with. */
interface Workspace {
  /** A folder of the case's own. */
  readonly dir: string;
  /** Its config folder: a copy of config/environments. */
  readonly config: string;
  /** Writes an executable script into the workspace and returns its path. */
  script(name: string, body: string): string;
}

interface FaultCase {
  readonly name: string;
  /** Prepares the workspace and returns the environment variables of the run. */
  readonly setup?: (workspace: Workspace) => Record<string, string>;
  /** Settings for the run, as environment variables. */
  readonly env?: Record<string, string>;
  /** Exit code: 1 for an error, 0 where the fault only costs speed. @default 1 */
  readonly status?: 0 | 1;
  /** The one line synth prints. */
  readonly line: RegExp;
  /** The case needs an output folder the CLI cannot be run beside (one under a regular file). @default false */
  readonly bundleOnly?: boolean;
}

/** How a user starts a synth: `npm run synth` runs the bundle, `npx cdk8s synth` the CLI, which runs the bundle. */
type EntryPoint = 'bundle' | 'cli';
const ENTRY_POINTS: readonly EntryPoint[] = ['bundle', 'cli'];

/**
 * The faults are synth's own, the same for every environment: two of the committed ones (the lab into dist/,
 * staging into a folder of its own) exercise every path, and a third would only make each of the many runs
 * slower. The baseline and every case synthesize these two.
 */
const ENVIRONMENT_FILES = ['lab.yaml', 'staging.yaml'];

/** A synth through the bundle, into CDK8S_OUTDIR. */
function runSynth(env: Record<string, string>): Promise<Run> {
  return collect(spawn(process.execPath, SYNTH_NODE_ARGS, { cwd: PROJECT_ROOT, env: { ...process.env, ...env } }));
}

/** `cdk8s synth` in the folder of `outdir` (made ready for it first): it writes `outdir` (dist/) and the folders beside it. */
function runCliSynth(outdir: string, env: Record<string, string>, options: { detached?: boolean } = {}): { child: Child; run: Promise<Run> } {
  const workdir = path.dirname(outdir);
  prepareCliWorkdir(workdir, cliScratch(outdir));
  const child = spawn(process.execPath, [CDK8S_CLI, 'synth'], { cwd: workdir, env: cliEnvironment(env), detached: options.detached });
  return { child, run: collect(child) };
}

/** The CLI's scratch folder for a run into `outdir`: outside the folder the cases compare. */
function cliScratch(outdir: string): string {
  return path.join(path.dirname(path.dirname(outdir)), 'cli-output');
}

function runEntryPoint(entryPoint: EntryPoint, outdir: string, env: Record<string, string>): Promise<Run> {
  return entryPoint === 'cli' ? runCliSynth(outdir, env).run : runSynth({ ...env, CDK8S_OUTDIR: outdir });
}

type Child = ChildProcessWithoutNullStreams;

/** The /proc/<pid>/stat lines of every process that runs (zombies aside), keyed by pid. */
function runningProcesses(): Map<number, string> {
  const running = new Map<number, string>();
  for (const pid of fs.readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (processState(stat) !== 'Z') running.set(Number(pid), stat);
    } catch {
      // Gone while we looked.
    }
  }
  return running;
}

/** Resolves once `stopped` holds for the running processes; fails after 10 s (a killed process is gone long before). */
async function until(what: string, stopped: (running: Map<number, string>) => boolean): Promise<void> {
  for (let waited = 0; !stopped(runningProcesses()); waited += 20) {
    if (waited > 10_000) throw new Error(`${what} still runs 10 s after it was killed`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Resolves once no process of the group runs. */
function groupStopped(groupId: number): Promise<void> {
  const inGroup = (stat: string) => stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2] === String(groupId);
  return until(`process group ${groupId}`, (running) => ![...running.values()].some(inGroup));
}

/** Resolves once the process no longer runs. */
function processStopped(pid: number): Promise<void> {
  return until(`process ${pid}`, (running) => !running.has(pid));
}

function collect(child: Child): Promise<Run> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** A helm that answers `version` as helm v3 does and runs `template` as the body says. */
function fakeHelm(template: string): string {
  return `#!/bin/sh\nif [ "$1" = version ]; then echo v3.99.0-fake; exit 0; fi\n${template}\n`;
}

/** 9 levels of 9 aliases under one key: 400 bytes that expand to 9^9 strings. */
const BOMB = `namespace: [&a [x, x, x, x, x, x, x, x, x], ${'bcdefgh'.split('').map((name, index) =>
  `&${name} [${Array(9).fill(`*${'abcdefg'[index]}`).join(', ')}]`).join(', ')}, [${Array(9).fill('*h').join(', ')}]]\n`;

const OFF = { RENDER_CACHE: 'off' };

const CASES: FaultCase[] = [
  // Bad values
  { name: 'a hostile NFS server', env: { BOOK_NFS_SERVER: '1.2.3.4;touch /tmp/pwned' }, line: /BOOK_NFS_SERVER \(nfs\.server\): "1\.2\.3\.4;touch \/tmp\/pwned" is invalid/ },
  { name: 'a numeric NFS name', env: { BOOK_NFS_SERVER: '10.1.1' }, line: /BOOK_NFS_SERVER \(nfs\.server\): "10\.1\.1" is invalid/ },
  { name: 'an octal-hex NFS name', env: { BOOK_NFS_SERVER: '0x7f.1' }, line: /"0x7f\.1" is invalid/ },
  { name: 'uid 0', env: { BOOK_OWNER_UID: '0' }, line: /BOOK_OWNER_UID \(owner\.uid\): 0 is invalid/ },
  { name: 'a uid that is not a number', env: { BOOK_OWNER_UID: 'root' }, line: /BOOK_OWNER_UID \(owner\.uid\): "root" is invalid/ },
  { name: 'an unknown Kubernetes version', env: { BOOK_KUBERNETES_VERSION: '1.99999999999999999999' }, line: /kubernetesVersion\): "1\.9+" is invalid/ },
  { name: 'a decimal storage unit', env: { BOOK_STORAGE_SIZE: '10GB' }, line: /BOOK_STORAGE_SIZE \(storage\.size\): "10GB" is invalid/ },
  { name: 'a source range with host bits', env: { BOOK_PROMETHEUS_LOAD_BALANCER_SOURCE_RANGES: '192.168.1.1/24' }, line: /"192\.168\.1\.1\/24" is invalid/ },
  { name: 'a memory request above its limit', env: { BOOK_PROMETHEUS_RESOURCES_MEMORY_REQUEST: '2Gi' }, line: /memoryRequest\): "2Gi" is invalid: expected at most memoryLimit/ },
  { name: 'an unknown BOOK_ variable', env: { BOOK_NFS_SEVER: 'x' }, line: /^synth: error: BOOK_NFS_SEVER: unknown setting/ },
  { name: 'an unknown environment', env: { SYNTH_ENVIRONMENTS: 'nope' }, line: /SYNTH_ENVIRONMENTS: "nope" is not an environment/ },
  { name: 'a bad HELM_TIMEOUT', env: { HELM_TIMEOUT: 'soon' }, line: /HELM_TIMEOUT: "soon" is invalid: expected a whole number of seconds/ },
  { name: 'an upper-case namespace', env: { BOOK_NAMESPACE: 'Monitoring' }, line: /BOOK_NAMESPACE \(namespace\): "Monitoring" is invalid/ },
  { name: 'an image pinned by tag only', env: { BOOK_PREP_JOB_IMAGE: 'busybox:latest' }, line: /"busybox:latest" is invalid: expected an image pinned by digest/ },
  { name: 'a data path outside the export', env: { BOOK_NFS_DATA_PATH: '/etc', SYNTH_ENVIRONMENTS: 'lab' }, line: /"\/etc" is invalid: expected a directory below nfs\.exportRoot/ },
  { name: 'a Job name too long for its hash', env: { BOOK_PREP_JOB_NAME: 'x'.repeat(60) }, line: /prepJob\.name\): "x{60}" is invalid/ },
  // File shapes
  { name: 'a config file that is a list', setup: ({ config }) => write(config, 'lab.yaml', '- a\n- b\n'), line: /lab\.yaml: expected a mapping of settings at the top level, got a list/ },
  { name: 'a config file that is not YAML', setup: ({ config }) => write(config, 'lab.yaml', 'nfs: [unclosed\n'), line: /lab\.yaml: not valid YAML/ },
  { name: 'a YAML alias bomb', setup: ({ config }) => write(config, 'lab.yaml', BOMB), line: /lab\.yaml: namespace: \[\[.{60,}\.\.\. is invalid: expected a string/ },
  { name: 'a __proto__ key', setup: ({ config }) => write(config, 'lab.yaml', '__proto__:\n  namespace: x\n'), line: /lab\.yaml: __proto__: unknown setting/ },
  { name: 'a config file over 64 KiB', setup: ({ config }) => write(config, 'lab.yaml', `#${'x'.repeat(70_000)}\n`), line: /lab\.yaml: \d+ bytes is too large/ },
  { name: 'an empty config folder', setup: ({ dir }) => ({ SYNTH_CONFIG_DIR: mkdir(dir, 'empty') }), line: /has no \.yaml file/ },
  { name: 'a missing config folder', setup: ({ dir }) => ({ SYNTH_CONFIG_DIR: path.join(dir, 'missing') }), line: /config directory .*missing does not exist/ },
  { name: 'a config folder that is a file', setup: ({ dir }) => ({ SYNTH_CONFIG_DIR: file(dir, 'plain') }), line: /cannot scandir .*plain: not a directory/ },
  { name: 'an environment file named in capitals', setup: ({ config }) => write(config, 'Lab.yaml', ''), line: /Lab\.yaml: environment name "Lab" is invalid/ },
  { name: 'control characters in a file name', setup: ({ config }) => write(config, 'a\u001b[2Jb.yaml', ''), line: /environment name "a\\x1b\[2Jb" is invalid/ },
  { name: 'a uid of 1e400', setup: ({ config }) => write(config, 'lab.yaml', 'owner: {uid: 1e400}\n'), line: /owner\.uid: 1e400 is invalid/ },
  // helm
  { name: 'helm failing', setup: (w) => ({ HELM_BIN: w.script('helm', fakeHelm('echo "Error: boom" >&2; exit 1')), ...OFF }), line: /helm template of chart (edu|prometheus-community)\/prometheus .* failed: Error: boom/ },
  { name: 'helm printing nothing', setup: (w) => ({ HELM_BIN: w.script('helm', fakeHelm('exit 0')), ...OFF }), line: /helm template of chart (edu|prometheus-community)\/prometheus printed no objects/ },
  { name: 'helm printing text that is not YAML', setup: (w) => ({ HELM_BIN: w.script('helm', fakeHelm('echo "a: [b"; exit 0')), ...OFF }), line: /printed text that is not YAML/ },
  { name: 'helm printing something other than Kubernetes objects', setup: (w) => ({ HELM_BIN: w.script('helm', fakeHelm('echo "hello: world"')), ...OFF }), line: /printed something that is not a Kubernetes object/ },
  {
    name: 'helm rendering without the server', ...{},
    setup: (w) => ({ HELM_BIN: w.script('helm', fakeHelm('printf "apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: x\\n"')), ...OFF }),
    line: /rendered no Deployment \*-server, Service \*-server, DaemonSet \*-node-exporter, Deployment \*-kube-state-metrics/,
  },
  { name: 'helm hanging', setup: (w) => ({ HELM_BIN: w.script('helm', fakeHelm('sleep 30 & wait')), HELM_TIMEOUT: '1', ...OFF }), line: /did not finish within 1s and was stopped \(set HELM_TIMEOUT/ },
  { name: 'HELM_BIN that is not helm', setup: (w) => ({ HELM_BIN: w.script('helm', '#!/bin/sh\nexit 2\n'), ...OFF }), line: /HELM_BIN: .* is not an executable helm v3/ },
  // The chart and its mirror
  {
    name: 'a tampered chart in the chart cache',
    setup: ({ dir }) => ({ CHART_CACHE_DIR: tamperedCache(dir), ...OFF }),
    line: /chart edu\/prometheus 11\.6\.0: .*prometheus-11\.6\.0\.tgz has content digest sha256:[0-9a-f]{64}, but charts\.lock\.yaml pins/,
  },
  { name: 'a mirror without index.yaml', setup: ({ dir }) => ({ CHART_CACHE_DIR: mkdir(dir, 'charts'), CHART_MIRROR: mkdir(dir, 'mirror'), ...OFF }), line: /CHART_MIRROR: .*mirror has no index\.yaml/ },
  {
    name: 'a mirror serving other bytes',
    setup: ({ dir }) => ({ CHART_CACHE_DIR: mkdir(dir, 'charts'), CHART_MIRROR: `${badMirror(dir)},${TODAY_MIRROR}`, ...OFF }),
    line: /prometheus-11\.6\.0\.tgz from .*bad-mirror has content digest sha256:[0-9a-f]{64}, but charts\.lock\.yaml pins .*fix the mirror/,
  },
  // Caches and disk
  { name: 'a chart cache under a regular file', setup: ({ dir }) => ({ CHART_CACHE_DIR: path.join(file(dir, 'plain'), 'charts'), ...OFF }), line: /cannot mkdir .*plain\/charts\/(edu|prometheus-community): not a directory/ },
  {
    name: 'an output folder under a regular file', bundleOnly: true,
    setup: ({ dir }) => ({ CDK8S_OUTDIR: path.join(file(dir, 'plain'), 'dist') }), line: /cannot mkdir .*plain: file already exists/,
  },
  {
    name: 'a render cache under a regular file (only slower)', status: 0,
    setup: ({ dir }) => ({ RENDER_CACHE_DIR: path.join(file(dir, 'plain'), 'renders') }),
    line: /^synth: warning: render cache .*plain\/renders cannot be written \(ENOTDIR\); going on without it$/,
  },
  {
    name: 'a render cache entry that is a folder (only slower)', status: 0,
    setup: ({ dir }) => ({ RENDER_CACHE_DIR: foldersForEntries(dir) }),
    line: /^synth: warning: render cache .* cannot be written \((EISDIR|ENOTEMPTY|EEXIST)\); going on without it$/,
  },
];

function write(dir: string, name: string, content: string): Record<string, string> {
  fs.writeFileSync(path.join(dir, name), content);
  return {};
}

function mkdir(dir: string, name: string): string {
  fs.mkdirSync(path.join(dir, name), { recursive: true });
  return path.join(dir, name);
}

function file(dir: string, name: string): string {
  fs.writeFileSync(path.join(dir, name), 'a regular file\n');
  return path.join(dir, name);
}

/** The book's chart with one template changed: a well-formed archive of another chart. */
function changedBookChart(dir: string, archive: string): void {
  const unpacked = mkdir(dir, 'unpacked');
  tar.x({ file: path.join(BOOK_MIRROR, 'prometheus-11.6.0.tgz'), cwd: unpacked, sync: true });
  fs.appendFileSync(path.join(unpacked, 'prometheus', 'templates', 'server-service.yaml'), '\n# changed\n');
  tar.c({ file: archive, cwd: unpacked, gzip: true, sync: true }, ['prometheus']);
}

function tamperedCache(dir: string): string {
  const cache = mkdir(dir, 'charts');
  changedBookChart(dir, path.join(mkdir(cache, 'edu'), 'prometheus-11.6.0.tgz'));
  return cache;
}

function badMirror(dir: string): string {
  const mirror = mkdir(dir, 'bad-mirror');
  fs.copyFileSync(path.join(BOOK_MIRROR, 'index.yaml'), path.join(mirror, 'index.yaml'));
  changedBookChart(dir, path.join(mirror, 'prometheus-11.6.0.tgz'));
  return mirror;
}

/** A render cache in which every entry synth would write is already a folder. */
function foldersForEntries(dir: string): string {
  const cache = mkdir(dir, 'renders');
  for (const entry of fs.readdirSync(RENDER_CACHE_OF_BASELINE)) fs.mkdirSync(path.join(cache, entry));
  return cache;
}

let RENDER_CACHE_OF_BASELINE = '';

/** What runs left in a temp folder. */
function leftoversIn(tmp: string): string[] {
  return fs.readdirSync(tmp);
}

describe('synth under faults', () => {
  const { dir: root, cleanup } = tempDir('synth-faults');
  const baseline = path.join(root, 'baseline', 'dist');
  let baselineConfig = '';
  let expected: Record<string, string> = {};

  beforeAll(async () => {
    RENDER_CACHE_OF_BASELINE = path.join(root, 'renders');
    baselineConfig = mkdir(root, 'baseline-config');
    for (const file of ENVIRONMENT_FILES) fs.copyFileSync(path.join(CONFIG_DIR, file), path.join(baselineConfig, file));
    const result = await runSynth({
      CDK8S_OUTDIR: baseline, SYNTH_CONFIG_DIR: baselineConfig, CHART_MIRROR: CHART_MIRROR_VALUE, RENDER_CACHE_DIR: RENDER_CACHE_OF_BASELINE,
    });
    expect(result.stderr).toBe('');
    expected = outputOf(baseline);
  });
  afterAll(cleanup);

  /** The baseline's environments and the chart mirrors, for a run that is compared with the baseline. */
  const sources = () => ({ SYNTH_CONFIG_DIR: baselineConfig, CHART_MIRROR: CHART_MIRROR_VALUE });

  /** Every folder the output has: dist/ and dist-<name>/ beside it (not the hidden work of a run, nor the CLI's cdk8s.yaml). */
  function outputOf(outdir: string): Record<string, string> {
    const tree: Record<string, string> = {};
    for (const entry of entriesBeside(outdir).filter((name) => !name.startsWith('.'))) {
      for (const [name, content] of Object.entries(readTree(path.join(path.dirname(outdir), entry)))) tree[`${entry}/${name}`] = content;
    }
    return tree;
  }

  /** What is beside dist/, hidden entries included, but the cdk8s.yaml a CLI run reads there. */
  function entriesBeside(outdir: string): string[] {
    return fs.readdirSync(path.dirname(outdir)).filter((name) => name !== 'cdk8s.yaml').sort();
  }

  /**
   * What stderr holds for a failure. Through the CLI: the app's line, then the CLI's own line for the folder the app did
   * not make (the app leaves it missing and exits 0, so that the CLI exits 1 without adding a stack trace).
   */
  function expectedLines(entryPoint: EntryPoint, line: RegExp, status: number): unknown[] {
    if (entryPoint === 'bundle' || status === 0) return [expect.stringMatching(line)];
    return [expect.stringMatching(line), expect.stringMatching(/^ERROR: synthesis failed, app expected to create ".*cli-output"$/)];
  }

  const runs = ENTRY_POINTS.flatMap((entryPoint) => CASES.filter((c) => entryPoint === 'bundle' || !c.bundleOnly).map((c) => [entryPoint, c.name, c] as const));
  // Each case is its own processes and folders, so they run side by side.
  test.concurrent.each(runs)('%s: %s: one line, exit code, output untouched, nothing left', async (entryPoint, _name, fault) => {
    const caseDir = fs.mkdtempSync(path.join(root, 'case-'));
    const outdir = path.join(caseDir, 'out', 'dist');
    fs.cpSync(path.dirname(baseline), path.dirname(outdir), { recursive: true });
    const config = mkdir(caseDir, 'config');
    for (const file of ENVIRONMENT_FILES) fs.copyFileSync(path.join(CONFIG_DIR, file), path.join(config, file));
    const tmp = mkdir(caseDir, 'tmp');
    const workspace: Workspace = {
      dir: caseDir,
      config,
      script: (name, body) => {
        fs.writeFileSync(path.join(caseDir, name), body, { mode: 0o755 });
        return path.join(caseDir, name);
      },
    };
    const env: Record<string, string> = {
      SYNTH_CONFIG_DIR: config, TMPDIR: tmp, CHART_MIRROR: CHART_MIRROR_VALUE, ...fault.env, ...fault.setup?.(workspace),
    };
    expect(Object.keys(expected).length).toBeGreaterThan(0);
    const { CDK8S_OUTDIR: caseOutdir = outdir, ...settings } = env;
    const result = await runEntryPoint(entryPoint, caseOutdir, settings);
    const status = fault.status ?? 1;
    const lines = result.stderr.split('\n').filter(Boolean);
    expect({ status: result.status, lines }).toEqual({ status, lines: expectedLines(entryPoint, fault.line, status) });
    expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(outputOf(outdir)).toEqual(expected);
    expect(entriesBeside(outdir)).toEqual(entriesBeside(baseline));
    expect(leftoversIn(tmp)).toEqual([]);
  });

  describe('kills and concurrency', () => {
    const changed = { BOOK_OWNER_UID: '1001', BOOK_OWNER_GID: '1001' };
    let changedOutput: Record<string, string> = {};

    beforeAll(async () => {
      const outdir = path.join(root, 'changed', 'dist');
      const run = await runSynth({ CDK8S_OUTDIR: outdir, ...sources(), RENDER_CACHE_DIR: RENDER_CACHE_OF_BASELINE, ...changed });
      expect(run.status).toBe(0);
      changedOutput = outputOf(outdir);
      expect(changedOutput).not.toEqual(expected);
    });

    /** A copy of the baseline output and a private temp folder. */
    function prepare(name: string): { outdir: string; tmp: string } {
      const caseDir = mkdir(root, name);
      const outdir = path.join(caseDir, 'out', 'dist');
      fs.cpSync(path.dirname(baseline), path.dirname(outdir), { recursive: true });
      return { outdir, tmp: mkdir(caseDir, 'tmp') };
    }

    // Moments from before validation ends to after dist/ is swapped (a warm-cache synth of two environments
    // takes about 0.4 s on two cores); each case has its own folders.
    test.concurrent.each([20, 100, 200, 300, 400, 500])('killed after %i ms: the old output or the new one, and the next run cleans up', async (delay) => {
      const { outdir, tmp } = prepare(`kill-${delay}`);
      // A private copy of the warm render cache: the run is as short as a synth gets, and the moments cover all of it.
      const renders = path.join(path.dirname(tmp), 'renders');
      fs.cpSync(RENDER_CACHE_OF_BASELINE, renders, { recursive: true });
      const env = { CDK8S_OUTDIR: outdir, ...sources(), TMPDIR: tmp, RENDER_CACHE_DIR: renders, ...changed };
      const child = spawn(process.execPath, SYNTH_NODE_ARGS, { cwd: PROJECT_ROOT, env: { ...process.env, ...env }, stdio: 'ignore' });
      const timer = setTimeout(() => child.kill('SIGKILL'), delay);
      await new Promise((resolve) => child.once('close', resolve));
      clearTimeout(timer);
      const after = outputOf(outdir);
      expect([expected, changedOutput]).toContainEqual(after);

      const next = await runSynth(env);
      expect(next.stderr).toBe('');
      expect(outputOf(outdir)).toEqual(changedOutput);
      expect(entriesBeside(outdir)).toEqual(entriesBeside(baseline));
      expect(leftoversIn(tmp)).toEqual([]);
    });

    // `npx cdk8s synth` killed as a terminal kills it: every process of its group (the CLI, the shell, the bundle's build,
    // the app, helm), at moments spread over a whole run (about 2-3 s on two cores with a warm render cache).
    const CLI_KILL_DELAYS = Array.from({ length: 20 }, (_, index) => 100 + index * 175);
    test.concurrent.each(CLI_KILL_DELAYS)('npx cdk8s synth, its process group killed after %i ms: the old output or the new one, and the next run cleans up', async (delay) => {
      const { outdir, tmp } = prepare(`cli-kill-${delay}`);
      const renders = path.join(path.dirname(tmp), 'renders');
      fs.cpSync(RENDER_CACHE_OF_BASELINE, renders, { recursive: true });
      const env = { ...sources(), TMPDIR: tmp, RENDER_CACHE_DIR: renders, ...changed };
      const { child, run } = runCliSynth(outdir, env, { detached: true });
      const timer = setTimeout(() => {
        try {
          process.kill(-(child.pid as number), 'SIGKILL');
        } catch {
          // The run had finished.
        }
      }, delay);
      await run;
      clearTimeout(timer);
      // The CLI is reaped first; the rest of its group dies a moment later (a user's next command comes later still).
      await groupStopped(child.pid as number);
      expect([expected, changedOutput]).toContainEqual(outputOf(outdir));

      // The next synth is the bundle's: what puts a folder back is the app's, and a CLI run costs two seconds more.
      const next = await runSynth({ ...env, CDK8S_OUTDIR: outdir });
      expect(next.stderr).toBe('');
      expect(outputOf(outdir)).toEqual(changedOutput);
      expect(entriesBeside(outdir)).toEqual(entriesBeside(baseline));
      expect(leftoversIn(tmp)).toEqual([]);
    });

    test('killed between its two renames: the next synth puts the folder set aside back, even one that fails', async () => {
      const { outdir, tmp } = prepare('between-renames');
      const gone = spawnSync(process.execPath, ['-e', '']).pid as number;
      fs.renameSync(outdir, path.join(path.dirname(outdir), `.dist-old-${gone}`));
      const failing = await runSynth({ CDK8S_OUTDIR: outdir, ...sources(), TMPDIR: tmp, BOOK_OWNER_UID: '0' });
      expect(failing.stderr).toMatch(/^synth: error: BOOK_OWNER_UID \(owner\.uid\): 0 is invalid.*\n$/);
      expect(outputOf(outdir)).toEqual(expected);
      expect(entriesBeside(outdir)).toEqual(entriesBeside(baseline));
    });

    test.each([['SIGINT', 130], ['SIGTERM', 143]] as const)('%s while helm renders: exit %i, one line, output untouched, helm stopped', async (signal, status) => {
      const { outdir, tmp } = prepare(`signal-${signal}`);
      const helmPid = path.join(path.dirname(tmp), 'helm.pid');
      const helm = path.join(path.dirname(tmp), 'helm');
      fs.writeFileSync(helm, `#!/bin/sh\nif [ "$1" = version ]; then echo v3.99.0-fake; exit 0; fi\necho $$ > '${helmPid}'\nexec sleep 30\n`, { mode: 0o755 });
      const child = spawn(process.execPath, SYNTH_NODE_ARGS, {
        cwd: PROJECT_ROOT, env: { ...process.env, CDK8S_OUTDIR: outdir, ...sources(), TMPDIR: tmp, HELM_BIN: helm, ...OFF },
      });
      const run = collect(child);
      while (!fs.existsSync(helmPid)) await new Promise((resolve) => setTimeout(resolve, 20));
      child.kill(signal);
      const result = await run;
      expect({ status: result.status, stderr: result.stderr }).toEqual({ status, stderr: `synth: error: stopped by ${signal}; the output folders are as they were\n` });
      expect(outputOf(outdir)).toEqual(expected);
      expect(entriesBeside(outdir)).toEqual(entriesBeside(baseline));
      // Stopped (its `sleep 30` would run on otherwise): gone, or a zombie nobody has reaped yet (its parent, synth,
      // has exited), a moment after the SIGKILL synth sent on its way out.
      await processStopped(Number(fs.readFileSync(helmPid, 'utf8')));
    });

    test('a publish that fails at its second folder (EIO) puts the first back too, and says so in one line', async () => {
      const { outdir, tmp } = prepare('publish-fails');
      // Node's fs, made to fail the rename that would put the staging environment's new folder in place.
      const failingRename = path.join(path.dirname(tmp), 'failing-rename.js');
      fs.writeFileSync(failingRename, [
        "const fs = require('fs');",
        'const rename = fs.renameSync;',
        'fs.renameSync = (from, to) => {',
        "  if (String(from).includes('.dist-staging-new-')) {",
        "    throw Object.assign(new Error(`EIO: i/o error, rename '${from}' -> '${to}'`), { code: 'EIO', errno: -5, syscall: 'rename', path: from, dest: to });",
        '  }',
        '  return rename(from, to);',
        '};',
      ].join('\n'));
      const env = { CDK8S_OUTDIR: outdir, ...sources(), TMPDIR: tmp, RENDER_CACHE_DIR: RENDER_CACHE_OF_BASELINE, ...changed };
      const run = await runSynth({ ...env, NODE_OPTIONS: `--require ${failingRename}` });
      expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 1, stderr: expect.stringMatching(/^synth: error: cannot rename .*\.dist-staging-new-\d+: i\/o error\n$/) });
      expect(outputOf(outdir)).toEqual(expected);
      expect(entriesBeside(outdir)).toEqual(entriesBeside(baseline));
    });

    test('six synths at once all succeed and leave one whole output', async () => {
      const { outdir, tmp } = prepare('concurrent');
      const env = { CDK8S_OUTDIR: outdir, ...sources(), TMPDIR: tmp, RENDER_CACHE_DIR: RENDER_CACHE_OF_BASELINE, ...changed };
      const runs = await Promise.all(Array.from({ length: 6 }, () => runSynth(env)));
      expect(runs.map((run) => `${run.status} ${run.stderr}`)).toEqual(Array(6).fill('0 '));
      expect(outputOf(outdir)).toEqual(changedOutput);
      expect(entriesBeside(outdir)).toEqual(entriesBeside(baseline));
    });
  });
});
