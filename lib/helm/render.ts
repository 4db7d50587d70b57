import { spawnSync } from 'child_process';
import { stringify } from 'yaml';
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

/**
 * Runs the real `helm template` and returns its YAML. Values go in on stdin as YAML (never through
 * `--set`, whose own syntax would re-parse commas and dots in values), and no shell is involved.
 * Test hooks are skipped; CRDs from the chart's crds/ folder are included so `kubectl apply` gets them.
 */
export function renderChart(request: RenderRequest): string {
  const result = spawnSync(request.helm.path, helmTemplateArgs(request), {
    input: stringify(request.values),
    encoding: 'utf8',
    env: helmEnvironment(),
    maxBuffer: MAX_OUTPUT_BYTES,
    timeout: 120_000,
  });
  if (result.error) {
    throw new UserError(`helm template failed to start (${request.helm.path}): ${result.error.message}`);
  }
  if (result.status !== 0) {
    const reason = result.stderr.trim().split('\n').filter(Boolean).pop() ?? `exit code ${result.status}`;
    throw new UserError(`helm template of ${request.chartPath} failed: ${reason}`);
  }
  return result.stdout;
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
