import * as path from 'path';
import { loadEnvironments } from '../lib/config-loader';
import { prefetchRenders } from '../lib/helm/prefetch';
import { PROJECT_ROOT } from '../lib/project-root';
import { prometheusChartInputs, prometheusPropsFromConfig } from '../lib/prometheus-values';

/** The constructs of main.ts, which load cdk8s; passed in so they load only after helm has started. */
export type LoadConstructs = () => typeof import('../main');

/**
 * What `npm run synth` does: validates every environment, starts the helm renders, and builds the
 * constructs of main.ts while helm works. This bundle imports nothing of cdk8s, so it is small and
 * helm starts early.
 */
export async function synth(loadConstructs: LoadConstructs): Promise<void> {
  const configDir = process.env.SYNTH_CONFIG_DIR ?? path.join(PROJECT_ROOT, 'config', 'environments');
  // Every environment is validated before anything is rendered, built or written.
  const environments = loadEnvironments({ configDir, env: process.env });
  const rendering = prefetchRenders(environments.map((environment) => prometheusChartInputs(prometheusPropsFromConfig(environment.config))));
  // A failed render is reported by the await below; until then Node must not call it unhandled.
  rendering.catch(() => undefined);
  const { synthesize } = loadConstructs();
  await rendering;
  synthesize(environments, process.env.CDK8S_OUTDIR ?? path.join(PROJECT_ROOT, 'dist'));
}
