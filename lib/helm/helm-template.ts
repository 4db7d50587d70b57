import { spawn, spawnSync } from 'child_process';
import * as path from 'path';
import { UserError } from '../support/errors';
import { PROJECT_ROOT } from '../support/project-root';
import { HelmBinary } from './helm-binary';

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
 * Runs the real `helm template` and returns its YAML, synchronously, as cdk8s's own Helm construct does.
 * Values go in on stdin as JSON, which is YAML (never through `--set`, whose own syntax would re-parse
 * commas and dots in values), and no shell is involved.
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
  const timedOut = (result.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
  return templateOutput(invocation, { ...result, error: timedOut ? undefined : result.error, timedOut }, timeoutMs);
}

/** A render running in the background: its output, and a way to stop it. */
export interface RunningTemplate {
  /** helm's output; rejects with a UserError for a failure or a timeout. */
  readonly output: Promise<string>;
  /** Stops helm and whatever it started (its process group). */
  stop(): void;
}

/**
 * How to stop each render running now. helm is not in synth's process group, so a signal that stops synth does
 * not reach it: synth's exit does, through one listener for every render (Node warns past ten listeners).
 */
const stopsOnExit = new Set<() => void>();
process.on('exit', () => stopsOnExit.forEach((stop) => stop()));

/**
 * Starts `helm template` without waiting for it, so that several renders run side by side. helm runs
 * in a process group of its own, so that a stop or a timeout reaches whatever it (or a wrapper
 * around it) started, and no pipe is left open by a leftover child.
 */
export function startTemplate(invocation: HelmInvocation): RunningTemplate {
  const timeoutMs = helmTimeoutMs();
  const child = spawn(invocation.helm.path, templateFlags(invocation), { env: renderEnvironment(), detached: true });
  const stop = () => {
    try {
      process.kill(-(child.pid as number), 'SIGKILL');
    } catch {
      // Already gone, or never started (the 'error' event says why).
    }
  };
  stopsOnExit.add(stop);
  const output = new Promise<string>((resolve, reject) => {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, timeoutMs);
    const finish = (ended: Pick<HelmExit, 'status' | 'error'>) => {
      clearTimeout(timer);
      stopsOnExit.delete(stop);
      const [out, err] = [stdout, stderr].map((chunks) => Buffer.concat(chunks).toString('utf8'));
      try {
        resolve(templateOutput(invocation, { ...ended, stdout: out, stderr: err, timedOut }, timeoutMs));
      } catch (error) {
        reject(error);
      }
    };
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.stdin.on('error', () => undefined);
    child.once('error', (error) => finish({ status: null, error }));
    child.once('close', (status) => finish({ status }));
  });
  child.stdin.end(JSON.stringify(invocation.request.values));
  return { output, stop };
}

/** helm's own folders, inside the project cache, so nothing from ~/.config/helm changes a render or a pull. */
export function helmEnvironment(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const home = path.join(PROJECT_ROOT, '.cache', 'helm');
  return {
    PATH: env.PATH,
    HOME: env.HOME,
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
  return { ...helmEnvironment(env), ...collector };
}

/**
 * Every flag of `helm template`, in a fixed order. Test hooks are skipped (kubectl apply cannot run
 * them); CRDs from the chart's crds/ folder are included so `kubectl apply` gets them.
 */
export function templateFlags({ chartPath, request }: HelmInvocation): string[] {
  return [
    'template', request.releaseName, chartPath,
    '--namespace', request.namespace,
    '--kube-version', `v${request.kubernetesVersion}.0`,
    '--skip-tests',
    '--include-crds',
    '--values', '-',
  ];
}

function describe(invocation: HelmInvocation): string {
  return `helm template of chart ${invocation.request.chart} (${path.basename(invocation.chartPath)})`;
}

/** How a helm process ended, run synchronously or in the background: `error` says why it could not run, if it could not. */
type HelmExit = { status: number | null; stdout: string; stderr: string; error?: Error; timedOut: boolean };

/** helm's YAML, or the one line for a render that did not run, did not finish, or failed. */
function templateOutput(invocation: HelmInvocation, exit: HelmExit, timeoutMs: number): string {
  if (exit.timedOut) throw helmTimedOut(describe(invocation), timeoutMs);
  if (exit.error) throw new UserError(`${describe(invocation)} could not run (${invocation.helm.path}): ${exit.error.message}`);
  if (exit.status !== 0) {
    const lines = exit.stderr.trim().split('\n').filter(Boolean);
    // helm says what went wrong on its "Error:" line; the last line is often only advice.
    const reason = lines.find((line) => line.startsWith('Error:')) ?? lines.pop()
      ?? (exit.status === null ? 'killed by a signal' : `exit code ${exit.status}`);
    throw new UserError(`${describe(invocation)} failed: ${reason}`);
  }
  return exit.stdout;
}
