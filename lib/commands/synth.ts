import * as path from 'path';
import { loadEnvironments } from '../config/loader';
import { prometheusSettings, prometheusTemplateRequest } from '../constructs/prometheus-values';
import { HelmRenderer } from '../helm/renderer';
import { PROJECT_ROOT } from '../support/project-root';
import { replaceDirectory } from '../support/replace-directory';
import { runCli } from './cli';

/**
 * `npm run synth`: validates every environment, renders each into `<outdir>/<environment>/` with
 * main.ts, and replaces the output folder only when all succeeded.
 *
 * One speed-up lives here and nowhere else: helm starts as soon as the config is valid, and main.ts
 * (cdk8s and the constructs, most of the JavaScript) loads while helm runs. This module imports
 * nothing of cdk8s for that reason; main.ts is imported lazily below. The renderer that ran helm is
 * handed to main.ts, so the constructs take helm's output from memory.
 */
async function synth(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const configDir = env.SYNTH_CONFIG_DIR ?? path.join(PROJECT_ROOT, 'config', 'environments');
  const outdir = env.CDK8S_OUTDIR ?? path.join(PROJECT_ROOT, 'dist');
  const environments = loadEnvironments({ configDir, env });

  const renderer = new HelmRenderer();
  const rendering = renderer.prefetch(environments.map((environment) => prometheusTemplateRequest(prometheusSettings(environment.config))));
  // A failed render is reported by the await below; until then Node must not call it unhandled.
  rendering.catch(() => undefined);
  const { synthEnvironment } = await import('../../main');
  await rendering;

  replaceDirectory(outdir, (staging) => {
    for (const environment of environments) {
      synthEnvironment(environment, path.join(staging, environment.name), renderer);
    }
  });
}

/** The command: synth with one line per problem and exit code 1 on failure. */
// build/synth.js loads this module's bundle and calls it.
// ts-unused-exports:disable-next-line
export function runSynth(): Promise<void> {
  return runCli('synth', () => synth());
}
