import * as path from 'path';
import { runCliAsync } from '../lib/cli';
import { CodeCache } from '../lib/code-cache';
import { PROJECT_ROOT } from '../lib/project-root';

/**
 * `npm run synth` (and the app `npx cdk8s synth` runs). The work is in two other bundles, loaded here
 * through V8's code cache: build/synth-command.js validates the config and starts helm, then loads
 * build/main.js (cdk8s and the constructs) while helm runs. Compiling them is most of what a synth
 * would otherwise spend before and after helm.
 */
const codeCache = CodeCache.fromEnvironment(PROJECT_ROOT);

function loadBundle<T>(name: string): T {
  const file = path.join(__dirname, name);
  return codeCache ? codeCache.load<T>(file).exports : (require(file) as T);
}

void runCliAsync('synth', async () => {
  const { synth } = loadBundle<typeof import('./synth-command')>('synth-command.js');
  await synth(() => loadBundle<typeof import('../main')>('main.js'));
  codeCache?.persist();
});
