import * as os from 'os';
import * as path from 'path';
import { DEFAULT_ENVIRONMENT, Environment, environmentOutdir, loadEnvironments } from '../config/loader';
import { prometheusSettings, prometheusTemplateRequest } from '../constructs/prometheus-values';
import { helmTimeoutMs } from '../helm/helm-template';
import { HelmRenderer } from '../helm/renderer';
import { UserError } from '../support/errors';
import { PROJECT_ROOT } from '../support/project-root';
import { DirectoryExchanger } from '../support/directory-exchange';
import { replaceDirectories } from '../support/replace-directory';
import { runCli } from './cli';

/**
 * `npm run synth`: validates every environment, renders each with main.ts into its folder (`dist/` for
 * the default environment, `dist-<name>/` for the others), and replaces those folders only when all
 * succeeded. SYNTH_ENVIRONMENTS limits a run; the other environments' folders are left alone.
 *
 * One speed-up lives here and nowhere else: helm starts as soon as the config is valid, and main.ts
 * (cdk8s and the constructs, most of the JavaScript) loads while helm runs. This module imports
 * nothing of cdk8s for that reason; main.ts is imported lazily below. The renderer that ran helm is
 * handed to main.ts, so the constructs take helm's output from memory.
 */
async function synth(env: NodeJS.ProcessEnv): Promise<void> {
  const configDir = env.SYNTH_CONFIG_DIR ?? path.join(PROJECT_ROOT, 'config', 'environments');
  const outdir = env.CDK8S_OUTDIR ?? path.join(PROJECT_ROOT, 'dist');
  const stdoutRun = isCdk8sStdoutRun(outdir);
  const environments = loadEnvironments({ configDir, env });
  helmTimeoutMs(env);
  const selected = stdoutRun ? [stdoutEnvironment(environments, env)] : environments;

  const renderer = new HelmRenderer();
  const rendering = renderer.prefetch(selected.map((environment) => prometheusTemplateRequest(prometheusSettings(environment.config))));
  // A failed render is reported by the await below; until then Node must not call it unhandled.
  rendering.catch(() => undefined);
  // Started now, its start-up overlaps helm's; it swaps the output folders in at the end.
  const exchanger = stdoutRun ? undefined : DirectoryExchanger.start();
  const { synthEnvironment } = await import('../../main');
  await rendering;

  try {
    await replaceDirectories(selected.map((environment) => ({
      target: stdoutRun ? outdir : environmentOutdir(outdir, environment.name),
      build: (staging: string) => synthEnvironment(environment, { outdir: staging, singleFile: stdoutRun }, renderer),
    })), exchanger);
  } finally {
    exchanger?.close();
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

/** The command: synth with one line per problem and exit code 1 on failure. */
// build/synth.js loads this module's bundle and calls it.
// ts-unused-exports:disable-next-line
export function runSynth(): Promise<void> {
  return runCli('synth', () => synth(process.env));
}
