import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { UserError } from '../errors';
import { helmEnvironment } from './chart-source';
import { HelmBinary } from './helm-binary';

/** Everything `helm template` needs; the same request always gives the same output. */
export interface RenderRequest {
  /** helm v3. */
  readonly helm: HelmBinary;
  /** Path of the verified chart archive. */
  readonly chartPath: string;
  /** Release name. */
  readonly releaseName: string;
  /** Release namespace. */
  readonly namespace: string;
  /** Chart values. */
  readonly values: object;
  /** Kubernetes version for .Capabilities.KubeVersion, e.g. "1.27". */
  readonly kubeVersion: string;
  /** Extra API versions for .Capabilities.APIVersions. */
  readonly apiVersions: readonly string[];
}

const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;
/** Heap size at which helm's collector starts despite GOGC=off: ten times what the book's chart needs. */
const RENDER_MEMORY_LIMIT = '512MiB';

/**
 * Runs the real `helm template` and returns its YAML. Values go in on stdin as JSON, which is YAML
 * (never through `--set`, whose own syntax would re-parse commas and dots in values), and no shell
 * is involved.
 * Test hooks are skipped; CRDs from the chart's crds/ folder are included so `kubectl apply` gets them.
 */
export function renderChart(request: RenderRequest): string {
  const result = spawnSync(request.helm.path, helmTemplateArgs(request), {
    input: JSON.stringify(request.values),
    encoding: 'utf8',
    env: renderEnvironment(),
    maxBuffer: MAX_OUTPUT_BYTES,
    timeout: 120_000,
  });
  if (result.error) {
    throw new UserError(`helm template failed to start (${request.helm.path}): ${result.error.message}`);
  }
  checkExit(request, result.status, result.stderr);
  return result.stdout;
}

/**
 * The same render without blocking: helm runs while this process goes on (loading the constructs,
 * rendering other environments). helm writes to a temporary file rather than a pipe, so it never
 * waits for this process to read.
 */
export async function renderChartAsync(request: RenderRequest): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helm-render-'));
  const outputFile = path.join(dir, 'output.yaml');
  const output = fs.openSync(outputFile, 'w');
  try {
    const child = spawn(request.helm.path, helmTemplateArgs(request), { env: renderEnvironment(), stdio: ['pipe', output, 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.stdin!.end(JSON.stringify(request.values));
    const status = await new Promise<number | null>((resolve, reject) => {
      child.once('error', (error) => reject(new UserError(`helm template failed to start (${request.helm.path}): ${error.message}`)));
      child.once('close', resolve);
    });
    checkExit(request, status, stderr);
    return fs.readFileSync(outputFile, 'utf8');
  } finally {
    fs.closeSync(output);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * helm's environment for a render. `helm template` is a short-lived process whose memory goes back at
 * exit, so Go's collector is off (GOGC=off) until the heap reaches GOMEMLIMIT: on the book's chart that
 * saves a sixth of helm's time for a few MB. A GOGC or GOMEMLIMIT the user set wins.
 */
export function renderEnvironment(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return {
    ...helmEnvironment(),
    GOGC: env.GOGC ?? 'off',
    GOMEMLIMIT: env.GOMEMLIMIT ?? RENDER_MEMORY_LIMIT,
  };
}

function checkExit(request: RenderRequest, status: number | null, stderr: string): void {
  if (status !== 0) {
    const reason = stderr.trim().split('\n').filter(Boolean).pop() ?? `exit code ${status}`;
    throw new UserError(`helm template of ${request.chartPath} failed: ${reason}`);
  }
}

/** The argument list, in a fixed order. */
export function helmTemplateArgs(request: RenderRequest): string[] {
  const args = [
    'template', request.releaseName, request.chartPath,
    '--namespace', request.namespace,
    '--kube-version', `v${request.kubeVersion}.0`,
    '--skip-tests',
    '--include-crds',
    '--values', '-',
  ];
  for (const apiVersion of request.apiVersions) {
    args.push('--api-versions', apiVersion);
  }
  return args;
}
