import * as path from 'path';
import { runCliAsync } from '../lib/cli';
import { CodeCache, loadBundle } from '../lib/code-cache';
import { PROJECT_ROOT } from '../lib/project-root';

/**
 * `npm run synth` (and the app `npx cdk8s synth` runs). The work is in two other bundles, loaded here
 * through V8's code cache: build/synth-command.js validates the config and starts helm, then loads
 * build/main.js (cdk8s and the constructs) while helm runs. Compiling them is most of what a synth
 * would otherwise spend before and after helm.
 */
const codeCache = CodeCache.fromEnvironment(PROJECT_ROOT);

void runCliAsync('synth', async () => {
  const { synth } = loadBundle<typeof import('./synth-command')>(codeCache, path.join(__dirname, 'synth-command.js'));
  await synth(() => loadBundle<typeof import('../main')>(codeCache, path.join(__dirname, 'main.js')));
  codeCache?.persist();
});
