import * as os from 'os';
import * as path from 'path';
import { prometheusSettings } from '../charts/prometheus-settings';
import { DEFAULT_ENVIRONMENT, Environment, environmentOutdir, loadEnvironments } from '../config/loader';
import type { Config } from '../config/schema';
import { helmTimeoutMs } from '../helm/helm-template';
import { HelmRenderer } from '../helm/renderer';
import { prometheusTemplateRequest } from '../prometheus/values';
import { reportError } from '../support/cli';
import { DirectoryExchanger } from '../support/directory-exchange';
import { UserError } from '../support/errors';
import { PROJECT_ROOT } from '../support/project-root';
import { StagedDirectories } from '../support/replace-directory';

/*
 * What main.ts asks for (the environments to synthesize and where each app writes), and everything a
 * synth does around main: validating every environment first, starting helm before cdk8s has loaded,
 * writing into staging folders and swapping them in only when every app has synthesized, one line per
 * problem on failure. esbuild puts lib/app/prelude.ts ahead of main.ts in build/main.js, so
 * startSynthesis() runs before main's imports load cdk8s; run any other way, main's first call starts it.
 */

/** One app main.ts builds: an environment's validated config, and where and how the app writes. */
export interface SynthesisTarget {
  /** Environment name: the config file's base name. */
  readonly name: string;
  /** The environment's validated config. */
  readonly config: Config;
  /** Where the app writes: a staging folder that synth puts in place of dist/ or dist-<name>/ at the end. */
  readonly outdir: string;
  /** One file for the whole app, for `cdk8s synth --stdout`, which joins files without `---`; else one per chart. */
  readonly singleFile: boolean;
}

const COMMAND = 'synth';

let current: Synthesis | undefined;

/** Validates config and starts helm, once per process; a problem is reported in one line per problem and ends the process. */
export function startSynthesis(env: NodeJS.ProcessEnv = process.env): void {
  if (current) return;
  try {
    current = new Synthesis(env);
  } catch (error) {
    reportError(COMMAND, error);
    process.exit(1);
  }
}

/** The environments to build, one app each; synth writes their folders once the process has built them all. */
export function environmentsToSynthesize(): SynthesisTarget[] {
  startSynthesis();
  return (current as Synthesis).targets();
}

class Synthesis {
  private readonly environments: readonly Environment[];
  private readonly outdir: string;
  private readonly stdoutRun: boolean;
  private readonly exchanger?: DirectoryExchanger;
  private staged?: StagedDirectories;
  private failed = false;

  constructor(env: NodeJS.ProcessEnv) {
    const configDir = env.SYNTH_CONFIG_DIR ?? path.join(PROJECT_ROOT, 'config', 'environments');
    this.outdir = env.CDK8S_OUTDIR ?? path.join(PROJECT_ROOT, 'dist');
    this.stdoutRun = isCdk8sStdoutRun(this.outdir);
    const environments = loadEnvironments({ configDir, env });
    helmTimeoutMs(env);
    this.environments = this.stdoutRun ? [stdoutEnvironment(environments, env)] : environments;
    HelmRenderer.shared().prefetch(this.environments.map((environment) => prometheusTemplateRequest(prometheusSettings(environment.config))));
    // Started now, its start-up overlaps helm's; it swaps the output folders in at the end.
    this.exchanger = this.stdoutRun ? undefined : DirectoryExchanger.start();
    process.on('uncaughtException', (error) => this.fail(error));
    process.once('beforeExit', () => void this.finish());
  }

  public targets(): SynthesisTarget[] {
    if (this.stdoutRun) {
      return [{ ...this.environments[0], outdir: this.outdir, singleFile: true }];
    }
    if (this.staged) throw new Error('environmentsToSynthesize() is called once per process');
    this.staged = StagedDirectories.stage(this.environments.map((environment) => environmentOutdir(this.outdir, environment.name)));
    const folders = this.staged.stagingFolders;
    return this.environments.map((environment, index) => ({ ...environment, outdir: folders[index], singleFile: false }));
  }

  /** Once main has run without an error: every staging folder swapped into place, and the helper gone. */
  private async finish(): Promise<void> {
    if (this.failed) return;
    try {
      await this.staged?.commit(this.exchanger);
    } catch (error) {
      this.fail(error);
    } finally {
      await this.exchanger?.close();
    }
  }

  /** An error anywhere in main: reported, nothing written, no helm or helper left running. */
  private fail(error: unknown): void {
    this.failed = true;
    reportError(COMMAND, error);
    HelmRenderer.shared().stop();
    this.staged?.discard();
    void this.exchanger?.close();
  }
}

/**
 * `npx cdk8s synth --stdout` runs the app into a fresh `cdk8s-XXXXXX` folder in the temp directory,
 * then prints every file there joined without `---`, so separate files would merge their first and
 * last documents. For that run the app writes one environment as one file.
 */
function isCdk8sStdoutRun(outdir: string): boolean {
  return path.dirname(path.resolve(outdir)) === path.resolve(os.tmpdir()) && /^cdk8s-[A-Za-z0-9]{6}$/.test(path.basename(outdir));
}

function stdoutEnvironment(environments: readonly Environment[], env: NodeJS.ProcessEnv): Environment {
  if (env.SYNTH_ENVIRONMENTS === undefined || env.SYNTH_ENVIRONMENTS.trim() === '') {
    const found = environments.find((environment) => environment.name === DEFAULT_ENVIRONMENT);
    if (found) return found;
  } else if (environments.length === 1) {
    return environments[0];
  }
  throw new UserError(`--stdout prints one environment: set SYNTH_ENVIRONMENTS to one of ${environments.map((e) => e.name).join(', ')}`);
}
