import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SYNTH_NODE_ARGS } from '../lib/app/synth-command';
import type { LocalCluster } from './local-cluster';
import type { Release } from './releases';
import { PROJECT_ROOT } from '../lib/support/project-root';

/** What a command printed and how it ended. */
export interface CommandResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * A process's checks, TAP-style: each one that passes printed as `ok <n> - <name>`, numbered from 1 in the order
 * they pass. The process makes one and hands it to every function that runs checks.
 */
export class Checks {
  private count = 0;

  /** Runs one check and prints it TAP-style; a check that throws ends the run. */
  step(name: string, body: () => void): void {
    const started = Date.now();
    body();
    this.count += 1;
    process.stdout.write(`ok ${this.count} - ${name} # ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
  }

  /** How many checks have passed so far. */
  get passed(): number {
    return this.count;
  }
}

/** The command's stdout, or an error naming it when it failed. */
export function expectSuccess(result: CommandResult, what: string): string {
  if (result.status !== 0) throw new Error(`${what} failed (exit ${result.status}): ${result.stderr.trim() || result.stdout.trim()}`);
  return result.stdout;
}

/** Fails unless the command exited with the code. */
export function expectExit(result: CommandResult, status: number, what: string): void {
  if (result.status !== status) throw new Error(`${what}: expected exit ${status}, got ${result.status}:\n${result.stdout}${result.stderr}`);
}

/** Fails unless some line of the output matches. */
export function expectLine(output: string, pattern: RegExp): void {
  if (!output.split('\n').some((line) => pattern.test(line))) throw new Error(`no line matches ${pattern} in:\n${output}`);
}

/** The text as a pattern that matches exactly it. */
export function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * `npm run preflight -- <environment>` against the cluster, with its kubectl, reading environment folders under `outdir`
 * (dist/, or the temporary one a synth for the cluster's release wrote).
 */
export function preflight(cluster: LocalCluster, environment: string, outdir: string): CommandResult {
  const result = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'build', 'preflight.js'), environment], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    env: { ...process.env, KUBECONFIG: cluster.kubeconfig, KUBECTL: cluster.kubectlPath, CDK8S_OUTDIR: outdir },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Synthesizes with extra settings into a fresh temporary dist/, as a user who changed config would, for the release's target. */
export function synthWith(release: Release, settings: Record<string, string>): string {
  const outdir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-synth-')), 'dist');
  const result = spawnSync(process.execPath, SYNTH_NODE_ARGS, {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    env: { ...process.env, BOOK_KUBERNETES_VERSION: release.target, ...settings, CDK8S_OUTDIR: outdir },
  });
  expectSuccess({ status: result.status, stdout: result.stdout, stderr: result.stderr }, `synth with ${JSON.stringify(settings)}`);
  return outdir;
}
