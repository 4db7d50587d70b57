import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { UserError } from '../support/errors';
import { PROJECT_ROOT } from '../support/project-root';
import { HelmBinary } from './helm-binary';
import { isAlive } from '../support/processes';

/** What to render: a chart of the lock file, as one release for one target version. */
export interface TemplateRequest {
  /** Name of the chart's entry in charts.lock.yaml. */
  readonly chart: string;
  /** Helm release name. */
  readonly releaseName: string;
  /** Release namespace. */
  readonly namespace: string;
  /** Kubernetes minor version for .Capabilities.KubeVersion, "1.N". */
  readonly kubernetesVersion: string;
  /** Chart values. */
  readonly values: object;
  /** Extra API versions for .Capabilities.APIVersions. */
  readonly apiVersions: readonly string[];
}

/** A request bound to the helm that runs it and the verified archive it renders. */
export interface HelmInvocation {
  /** helm v3. */
  readonly helm: HelmBinary;
  /** Path of the verified chart archive. */
  readonly chartPath: string;
  /** What to render. */
  readonly request: TemplateRequest;
}

/** Environment variable: seconds any helm command may run before it is stopped. */
const HELM_TIMEOUT_ENV = 'HELM_TIMEOUT';
const DEFAULT_HELM_TIMEOUT_SECONDS = 120;

/** How long any helm command may run: $HELM_TIMEOUT seconds, else 120. */
export function helmTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const configured = env[HELM_TIMEOUT_ENV];
  if (configured === undefined || configured === '') return DEFAULT_HELM_TIMEOUT_SECONDS * 1000;
  if (!/^[1-9][0-9]{0,5}$/.test(configured)) {
    throw new UserError(`${HELM_TIMEOUT_ENV}: ${JSON.stringify(configured)} is invalid: expected a whole number of seconds from 1 to 999999`);
  }
  return Number(configured) * 1000;
}

/** The one line for a helm command that did not finish in time. */
export function helmTimedOut(what: string, timeoutMs: number): UserError {
  return new UserError(`${what} did not finish within ${timeoutMs / 1000}s and was stopped (set ${HELM_TIMEOUT_ENV} to allow longer)`);
}
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

/**
 * Runs the real `helm template` and returns its YAML. Values go in on stdin as JSON, which is YAML
 * (never through `--set`, whose own syntax would re-parse commas and dots in values), and no shell
 * is involved.
 */
export function runTemplate(invocation: HelmInvocation): string {
  const timeoutMs = helmTimeoutMs();
  const result = spawnSync(invocation.helm.path, templateFlags(invocation), {
    input: JSON.stringify(invocation.request.values),
    encoding: 'utf8',
    env: renderEnvironment(),
    maxBuffer: MAX_OUTPUT_BYTES,
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
  });
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT') throw helmTimedOut(describe(invocation), timeoutMs);
  if (result.error) throw new UserError(`${describe(invocation)} could not run (${invocation.helm.path}): ${result.error.message}`);
  checkExit(invocation, result.status, result.stderr);
  return result.stdout;
}

/** A render running in the background: {@link RunningTemplate.poll} says when it is done. */
export interface RunningTemplate {
  /** helm's output once it has finished; undefined while it runs. Throws a UserError for a failure or a timeout. */
  poll(): string | undefined;
  /** Stops helm (its whole process group) and removes its folder. */
  stop(): void;
}

/**
 * Reports helm's exit status into a file, so the status can be read without Node's event loop: synth
 * waits for a render synchronously, inside a construct's constructor, while the loop cannot run.
 */
const WITH_STATUS_FILE = 'status_file=$1; shift; "$@"; echo $? > "$status_file"';

/**
 * Starts the render and returns at once, so this process can load the constructs meanwhile. Values are
 * read from a file on stdin, output goes to a file and so does the exit status: nothing of it depends
 * on this process reading a pipe. helm runs in its own process group, so that a stop reaches whatever
 * helm (or a wrapper around it) started.
 */
export function startTemplate(invocation: HelmInvocation): RunningTemplate {
  fs.mkdirSync(renderRoot(), { recursive: true });
  const dir = fs.mkdtempSync(path.join(renderRoot(), `${process.pid}-`));
  const file = (name: string) => path.join(dir, name);
  fs.writeFileSync(file('values.json'), JSON.stringify(invocation.request.values));
  const stdio = [fs.openSync(file('values.json'), 'r'), fs.openSync(file('output.yaml'), 'w'), fs.openSync(file('stderr.txt'), 'w')];
  const timeoutMs = helmTimeoutMs();
  const deadline = Date.now() + timeoutMs;
  let child: ChildProcess;
  try {
    const args = ['-c', WITH_STATUS_FILE, 'sh', file('status'), invocation.helm.path, ...templateFlags(invocation)];
    child = spawn('/bin/sh', args, { env: renderEnvironment(), stdio, detached: true });
  } finally {
    for (const fd of stdio) fs.closeSync(fd);
  }
  let startError: Error | undefined;
  child.once('error', (error) => { startError = error; });
  const stop = () => {
    killGroup(child.pid);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return {
    stop,
    poll() {
      if (startError) throw new UserError(`${describe(invocation)} could not start (/bin/sh): ${startError.message}`);
      const status = readStatus(file('status'));
      if (status === undefined) {
        if (Date.now() <= deadline) return undefined;
        stop();
        throw helmTimedOut(describe(invocation), timeoutMs);
      }
      try {
        checkExit(invocation, status, fs.readFileSync(file('stderr.txt'), 'utf8'));
        return fs.readFileSync(file('output.yaml'), 'utf8');
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** The exit status the wrapper wrote, once it has written all of it. */
function readStatus(file: string): number | undefined {
  try {
    const match = /^(\d+)\n$/.exec(fs.readFileSync(file, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** The folder of this app's render folders, one per render, named `<pid>-<random>`. */
function renderRoot(): string {
  return path.join(os.tmpdir(), 'prometheus-book-helm-renders');
}

/** Removes the render folders of synths that were killed before they could (their pid is in the name). */
export function removeAbandonedRenderDirs(): void {
  let entries: string[];
  try {
    entries = fs.readdirSync(renderRoot());
  } catch {
    return;
  }
  for (const entry of entries) {
    const pid = Number(/^(\d+)-/.exec(entry)?.[1]);
    if (pid && pid !== process.pid && !isAlive(pid)) fs.rmSync(path.join(renderRoot(), entry), { recursive: true, force: true });
  }
}


/** helm's own folders, inside the project cache, so nothing from ~/.config/helm changes a render or a pull. */
export function helmEnvironment(): NodeJS.ProcessEnv {
  const home = path.join(PROJECT_ROOT, '.cache', 'helm');
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    HELM_CACHE_HOME: path.join(home, 'cache'),
    HELM_CONFIG_HOME: path.join(home, 'config'),
    HELM_DATA_HOME: path.join(home, 'data'),
  };
}

/**
 * helm's environment for a render: Go's own collector settings, as every helm user runs it, unless the user
 * set GOGC or GOMEMLIMIT (docs/architecture.md, "helm's collector": turning the collector off was measured
 * faster on one machine and slower on another).
 */
export function renderEnvironment(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const collector = Object.fromEntries((['GOGC', 'GOMEMLIMIT'] as const).filter((name) => env[name] !== undefined).map((name) => [name, env[name]]));
  return { ...helmEnvironment(), ...collector };
}

/**
 * Every flag of `helm template`, in a fixed order. Test hooks are skipped (kubectl apply cannot run
 * them); CRDs from the chart's crds/ folder are included so `kubectl apply` gets them.
 */
export function templateFlags({ chartPath, request }: HelmInvocation): string[] {
  const flags = [
    'template', request.releaseName, chartPath,
    '--namespace', request.namespace,
    '--kube-version', `v${request.kubernetesVersion}.0`,
    '--skip-tests',
    '--include-crds',
    '--values', '-',
  ];
  for (const apiVersion of request.apiVersions) {
    flags.push('--api-versions', apiVersion);
  }
  return flags;
}

function describe(invocation: HelmInvocation): string {
  return `helm template of chart ${invocation.request.chart} (${path.basename(invocation.chartPath)})`;
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

function checkExit(invocation: HelmInvocation, status: number | null, stderr: string): void {
  if (status !== 0) {
    const lines = stderr.trim().split('\n').filter(Boolean);
    // helm says what went wrong on its "Error:" line; the last line is often only advice.
    const reason = lines.find((line) => line.startsWith('Error:')) ?? lines.pop() ?? (status === null ? 'killed by a signal' : `exit code ${status}`);
    throw new UserError(`${describe(invocation)} failed: ${reason}`);
  }
}
