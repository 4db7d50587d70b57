import * as path from 'path';
import { PROJECT_ROOT } from '../support/project-root';

/**
 * The node arguments of a synth, as cdk8s.yaml and `npm run synth` give them, for the tests, the e2e
 * and the bench, which run the real thing: main.ts as bundled, loaded through the code-cache hook.
 */
export const SYNTH_NODE_ARGS: readonly string[] = [
  '--require', path.join(PROJECT_ROOT, 'build', 'code-cache-hook.js'),
  path.join(PROJECT_ROOT, 'build', 'main.js'),
];
