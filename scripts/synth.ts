import * as path from 'path';
import { runCliAsync } from '../lib/cli';
import { loadEnvironments } from '../lib/config-loader';
import { prefetchRenders } from '../lib/helm/prefetch';
import { PROJECT_ROOT } from '../lib/project-root';
import { prometheusChartInputs, prometheusPropsFromConfig } from '../lib/prometheus-values';

/**
 * `npm run synth` (and the app `npx cdk8s synth` runs): validates every environment, starts the helm
 * renders, and builds the constructs of main.ts while helm works. This file imports nothing of cdk8s:
 * main.ts, which does, is a bundle of its own (build/main.js), loaded only after helm has started.
 */
async function synth(): Promise<void> {
  const configDir = process.env.SYNTH_CONFIG_DIR ?? path.join(PROJECT_ROOT, 'config', 'environments');
  // Every environment is validated before anything is rendered, built or written.
  const environments = loadEnvironments({ configDir, env: process.env });
  const rendering = prefetchRenders(environments.map((environment) => prometheusChartInputs(prometheusPropsFromConfig(environment.config))));
  // A failed render is reported by the await below; until then Node must not call it unhandled.
  rendering.catch(() => undefined);
  const { synthesize } = require(path.join(__dirname, 'main.js')) as typeof import('../main');
  await rendering;
  synthesize(environments, process.env.CDK8S_OUTDIR ?? path.join(PROJECT_ROOT, 'dist'));
}

void runCliAsync('synth', synth);
