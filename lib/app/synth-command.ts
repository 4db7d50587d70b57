import * as path from 'path';
import { PROJECT_ROOT } from '../support/project-root';

/** The node arguments of a synth, as cdk8s.yaml and `npm run synth` give them: main.ts as bundled (scripts/build.sh). */
export const SYNTH_NODE_ARGS: readonly string[] = [path.join(PROJECT_ROOT, 'build', 'main.js')];
