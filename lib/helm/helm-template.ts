import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
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
  readonly kubeVersion: string;
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

/** How long any helm command may run before it is killed. */
export const HELM_TIMEOUT_MS = 120_000;
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;
/** Heap size at which helm's collector starts despite GOGC=off: ten times what the book's chart needs. */
const RENDER_MEMORY_LIMIT = '512MiB';

/**
 * Runs the real `helm template` and returns its YAML. Values go in on stdin as JSON, which is YAML
 * (never through `--set`, whose own syntax would re-parse commas and dots in values), and no shell
 * is involved.
 */
export function runTemplate(invocation: HelmInvocation): string {
  const result = spawnSync(invocation.helm.path, templateFlags(invocation), {
    input: JSON.stringify(invocation.request.values),
    encoding: 'utf8',
    env: renderEnvironment(),
    maxBuffer: MAX_OUTPUT_BYTES,
    timeout: HELM_TIMEOUT_MS,
  });
  if (result.error) {
    throw new UserError(`helm template of ${invocation.chartPath} did not finish (${invocation.helm.path}): ${result.error.message}`);
  }
  checkExit(invocation, result.status, result.stderr);
  return result.stdout;
}

/**
 * The same render without blocking, so this process can load the constructs meanwhile. helm writes
 * to a temporary file rather than a pipe, so it never waits for this process to read.
 */
export async function runTemplateAsync(invocation: HelmInvocation): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helm-render-'));
  const outputFile = path.join(dir, 'output.yaml');
  const output = fs.openSync(outputFile, 'w');
  try {
    const child = spawn(invocation.helm.path, templateFlags(invocation), { env: renderEnvironment(), stdio: ['pipe', output, 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.stdin!.end(JSON.stringify(invocation.request.values));
    const timer = setTimeout(() => child.kill('SIGKILL'), HELM_TIMEOUT_MS);
    const status = await new Promise<number | null>((resolve, reject) => {
      child.once('error', (error) => reject(new UserError(`helm template failed to start (${invocation.helm.path}): ${error.message}`)));
      child.once('close', resolve);
    }).finally(() => clearTimeout(timer));
    checkExit(invocation, status, stderr);
    return fs.readFileSync(outputFile, 'utf8');
  } finally {
    fs.closeSync(output);
    fs.rmSync(dir, { recursive: true, force: true });
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
 * helm's environment for a render. `helm template` is short-lived and its memory goes back at exit,
 * so Go's collector is off (GOGC=off) until the heap reaches GOMEMLIMIT. A GOGC or GOMEMLIMIT the
 * user set wins.
 */
export function renderEnvironment(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return {
    ...helmEnvironment(),
    GOGC: env.GOGC ?? 'off',
    GOMEMLIMIT: env.GOMEMLIMIT ?? RENDER_MEMORY_LIMIT,
  };
}

/**
 * Every flag of `helm template`, in a fixed order. Test hooks are skipped (kubectl apply cannot run
 * them); CRDs from the chart's crds/ folder are included so `kubectl apply` gets them.
 */
export function templateFlags({ chartPath, request }: HelmInvocation): string[] {
  const flags = [
    'template', request.releaseName, chartPath,
    '--namespace', request.namespace,
    '--kube-version', `v${request.kubeVersion}.0`,
    '--skip-tests',
    '--include-crds',
    '--values', '-',
  ];
  for (const apiVersion of request.apiVersions) {
    flags.push('--api-versions', apiVersion);
  }
  return flags;
}

function checkExit(invocation: HelmInvocation, status: number | null, stderr: string): void {
  if (status === null) {
    throw new UserError(`helm template of ${invocation.chartPath} was killed after ${HELM_TIMEOUT_MS / 1000}s without finishing`);
  }
  if (status !== 0) {
    const reason = stderr.trim().split('\n').filter(Boolean).pop() ?? `exit code ${status}`;
    throw new UserError(`helm template of ${invocation.chartPath} failed: ${reason}`);
  }
}
