import * as path from 'path';
import { PROJECT_ROOT } from '../lib/support/project-root';

/** The node arguments of a synth, as cdk8s.yaml and `npm run synth` give them (main.ts as scripts/build.sh bundles it), for tests, e2e and bench. */
export const SYNTH_NODE_ARGS: readonly string[] = [path.join(PROJECT_ROOT, 'build', 'main.js')];
