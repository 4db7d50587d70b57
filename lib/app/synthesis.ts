import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DEFAULT_ENVIRONMENT, Environment, environmentOutdir, loadEnvironments } from '../config/loader';
import { HelmRenderer } from '../helm/renderer';
import { reportError } from '../support/cli';
import { UserError } from '../support/errors';
import { PROJECT_ROOT } from '../support/project-root';
import { destination, linkIntoScratch } from './cli-destination';
import { OutputFolders, recoverLeftovers } from './output-folders';

/** One app main.ts builds: an environment's validated config, and where and how the app writes. */
export interface SynthesisTarget extends Environment {
  /** Where the app writes: a folder that synth puts in place of dist/ or dist-<name>/ once every app has synthesized. */
  readonly outdir: string;
  /** One file for the whole app, for `cdk8s synth --stdout`, which joins files without `---`; else one per chart. */
  readonly singleFile: boolean;
}

/** The file cdk8s's App writes when it records construct metadata (CDK8S_RECORD_CONSTRUCT_METADATA). */
const CONSTRUCT_METADATA = 'construct-metadata.json';

/**
 * A synth, around the apps main.ts builds: what a killed synth left beside the output recovered first;
 * every environment of config/environments/ (or $SYNTH_CONFIG_DIR) validated, every problem in one
 * line each; one app per environment through `buildApp`, each into a folder beside its target
 * (cli-destination.ts says which), the charts' helm renders of all of them side by side
 * (HelmRenderer.buildAll); those folders put in place only when every app has synthesized. A failure
 * is reported in one line per problem, exit code 1, and no folder changes.
 *
 * SIGINT and SIGTERM stop a synth only between its steps (while helm renders, not while an app writes
 * its files or the folders are put in place), so they find the folders either as they were or new and whole.
 */
export async function synthesize(buildApp: (target: SynthesisTarget) => void): Promise<void> {
  const env = process.env;
  let folders: OutputFolders | undefined;
  let cliFolder: string | undefined;
  const stopOnSignal = (signal: NodeJS.Signals) => {
    folders?.discard();
    reportFailure(new UserError(`stopped by ${signal}; the output folders are as they were`), cliFolder);
    process.exit(128 + os.constants.signals[signal]);
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  try {
    const where = destination(env);
    cliFolder = where.kind === 'folders' ? where.listing : where.outdir;
    if (where.kind === 'folders') recoverLeftovers(where.outdir);
    const configured = loadEnvironments({ configDir: env.SYNTH_CONFIG_DIR ?? path.join(PROJECT_ROOT, 'config', 'environments'), env });
    const environments = where.kind === 'stdout' ? [stdoutEnvironment(configured, env)] : configured;
    const renderer = HelmRenderer.shared();
    if (where.kind === 'stdout') {
      await renderer.buildAll([() => buildApp({ ...environments[0], outdir: where.outdir, singleFile: true })]);
      return;
    }
    const targets = environments.map((environment) => environmentOutdir(where.outdir, environment.name));
    const staged = OutputFolders.stage(targets);
    folders = staged;
    await renderer.buildAll(environments.map((environment, index) => () => {
      buildApp({ ...environment, outdir: staged.staging[index], singleFile: false });
    }));
    if (where.listing !== undefined) moveConstructMetadata(staged.staging, where.listing);
    staged.publish();
    if (where.listing !== undefined) linkIntoScratch(where.listing, targets);
  } catch (error) {
    folders?.discard();
    reportFailure(error, cliFolder);
  } finally {
    process.off('SIGINT', stopOnSignal);
    process.off('SIGTERM', stopOnSignal);
  }
}

/**
 * Reports a failed synth. `npx cdk8s synth` and `--stdout` fail with one line of their own when the app
 * has not made the CLI's folder (its scratch folder, which it removed before running the app, or its temp
 * folder), where an exit code of 1 would add the CLI's stack trace to the app's lines: so under the CLI the
 * app leaves that folder missing and exits 0, and the CLI exits 1.
 */
function reportFailure(error: unknown, cliFolder: string | undefined): void {
  reportError('synth', error);
  if (cliFolder === undefined) return;
  fs.rmSync(cliFolder, { recursive: true, force: true });
  process.exitCode = 0;
}

/**
 * cdk8s's App writes construct metadata into each app's folder; the CLI reads one file, in its own output
 * folder. The apps' files are merged there (they differ only in which objects they name), so that no dist
 * folder holds a file `kubectl apply -f` would try to apply.
 */
function moveConstructMetadata(stagingFolders: readonly string[], cliOutput: string): void {
  const resources: Record<string, unknown> = {};
  let version: unknown;
  for (const folder of stagingFolders) {
    const file = path.join(folder, CONSTRUCT_METADATA);
    if (!fs.existsSync(file)) continue;
    const metadata = JSON.parse(fs.readFileSync(file, 'utf8')) as { version: unknown; resources: Record<string, unknown> };
    version = metadata.version;
    Object.assign(resources, metadata.resources);
    fs.rmSync(file);
  }
  if (version === undefined) return;
  fs.mkdirSync(cliOutput, { recursive: true });
  fs.writeFileSync(path.join(cliOutput, CONSTRUCT_METADATA), JSON.stringify({ version, resources }));
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
