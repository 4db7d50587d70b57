import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../support/errors';
import { PROJECT_ROOT } from '../support/project-root';
import { runCli } from './cli';
import { runPreflight, systemKubectl } from './preflight-checks';

/**
 * `npm run preflight [-- <environment>]`: the book's checks against the current kubeconfig, for what
 * dist/<environment>/ will apply. One line per check; exit code 1 when any fails.
 */
function main(): void {
  void runCli('preflight', () => {
    const distDir = process.env.CDK8S_OUTDIR ?? path.join(PROJECT_ROOT, 'dist');
    const environment = chooseEnvironment(distDir, process.argv[2]);
    const results = runPreflight(systemKubectl(), path.join(distDir, environment, '0000-storage.k8s.yaml'));
    for (const result of results) {
      process.stdout.write(`${result.ok ? 'ok  ' : 'FAIL'}  ${result.name}: ${result.detail}\n`);
    }
    if (results.some((result) => !result.ok)) process.exitCode = 1;
  });
}

function chooseEnvironment(distDir: string, wanted: string | undefined): string {
  const available = fs.existsSync(distDir) ? fs.readdirSync(distDir).filter((entry) => !entry.startsWith('.')).sort() : [];
  if (wanted) {
    if (!available.includes(wanted)) {
      const expected = available.join(', ') || '(none: run npm run synth)';
      throw new UserError(`environment "${wanted}" is not in ${distDir}: expected one of ${expected}`);
    }
    return wanted;
  }
  if (available.length !== 1) {
    const example = `npm run preflight -- ${available[0] ?? 'lab'}`;
    throw new UserError(`${distDir} holds ${available.length} environments (${available.join(', ')}): name one, e.g. ${example}`);
  }
  return available[0];
}

main();
