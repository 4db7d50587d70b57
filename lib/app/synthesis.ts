import * as os from 'os';
import * as path from 'path';
import { prometheusSettings } from '../charts/prometheus-settings';
import { DEFAULT_ENVIRONMENT, Environment, environmentOutdir, loadEnvironments } from '../config/loader';
import type { Config } from '../config/schema';
import { helmTimeoutMs } from '../helm/helm-template';
import { HelmRenderer } from '../helm/renderer';
import { prometheusTemplateRequest } from '../prometheus/settings';
import { reportError } from '../support/cli';
import { UserError } from '../support/errors';
import { PROJECT_ROOT } from '../support/project-root';
import { OutputFolders, recoverLeftovers } from './output-folders';

/** One app main.ts builds: an environment's validated config, and where and how the app writes. */
export interface SynthesisTarget {
  /** Environment name: the config file's base name. */
  readonly name: string;
  /** The environment's validated config. */
  readonly config: Config;
  /** Where the app writes: a folder that synth puts in place of dist/ or dist-<name>/ once every app has synthesized. */
  readonly outdir: string;
  /** One file for the whole app, for `cdk8s synth --stdout`, which joins files without `---`; else one per chart. */
  readonly singleFile: boolean;
}

/**
 * A synth, around the apps main.ts builds: what a killed synth left beside the output recovered first;
 * every environment of config/environments/ (or $SYNTH_CONFIG_DIR) validated, every problem in one
 * line each; each environment's chart rendered by helm, side by side, before any app is built; one app
 * per environment through `buildApp`, each into a folder beside its target ($CDK8S_OUTDIR, else dist/);
 * those folders put in place only when every app has synthesized. A failure is reported in one line per
 * problem, exit code 1, and no folder changes.
 */
export async function synthesize(buildApp: (target: SynthesisTarget) => void, env = process.env): Promise<void> {
  let folders: OutputFolders | undefined;
  try {
    const outdir = env.CDK8S_OUTDIR ?? path.join(PROJECT_ROOT, 'dist');
    recoverLeftovers(outdir);
    const configured = loadEnvironments({ configDir: env.SYNTH_CONFIG_DIR ?? path.join(PROJECT_ROOT, 'config', 'environments'), env });
    helmTimeoutMs(env);
    const stdoutRun = isCdk8sStdoutRun(outdir);
    const environments = stdoutRun ? [stdoutEnvironment(configured, env)] : configured;
    // helm takes most of a synth: with every render asked for here, the charts built below take theirs from memory.
    await HelmRenderer.shared().renderAll(environments.map((environment) => prometheusTemplateRequest(prometheusSettings(environment.config))));
    if (stdoutRun) {
      buildApp({ ...environments[0], outdir, singleFile: true });
      return;
    }
    const staged = OutputFolders.stage(environments.map((environment) => environmentOutdir(outdir, environment.name)));
    folders = staged;
    environments.forEach((environment, index) => buildApp({ ...environment, outdir: staged.staging[index], singleFile: false }));
    staged.publish();
  } catch (error) {
    folders?.discard();
    reportError('synth', error);
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
