import * as fs from 'fs';
import * as path from 'path';
import { DEFAULT_ENVIRONMENT, environmentNames, environmentOutdir } from '../config/loader';
import { UserError } from '../support/errors';
import { PROJECT_ROOT } from '../support/project-root';
import { runCli } from '../support/cli';
import { systemKubectl } from '../preflight/kubectl';
import { runPreflight } from '../preflight/preflight-checks';

/**
 * `npm run preflight [-- <environment>]`: the book's checks against the current kubeconfig, for what
 * the environment's folder (default: the lab's, dist/) will apply. One line per check; exit code 1
 * when any fails.
 */
void runCli('preflight', () => {
  const configDir = process.env.SYNTH_CONFIG_DIR ?? path.join(PROJECT_ROOT, 'config', 'environments');
  const environment = process.argv[2] ?? DEFAULT_ENVIRONMENT;
  const known = fs.existsSync(configDir) ? environmentNames(configDir) : [];
  if (!known.includes(environment)) {
    throw new UserError(`environment "${environment}" has no config/environments/${environment}.yaml: expected one of ${known.join(', ')}`);
  }
  const folder = environmentOutdir(process.env.CDK8S_OUTDIR ?? path.join(PROJECT_ROOT, 'dist'), environment);
  const results = runPreflight(systemKubectl(), path.relative(process.cwd(), folder) || '.');
  for (const result of results) {
    process.stdout.write(`${result.ok ? 'ok  ' : 'FAIL'}  ${result.name}: ${result.detail}\n`);
    (result.steps ?? []).forEach((step, i) => process.stdout.write(`        ${i + 1}. ${step}\n`));
  }
  if (results.some((result) => !result.ok)) process.exitCode = 1;
});
