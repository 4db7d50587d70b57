import * as path from 'path';
import { CodeCache, loadBundle } from '../support/code-cache';
import { PROJECT_ROOT } from '../support/project-root';

/*
 * build/synth.js, what `npm run synth` and `npx cdk8s synth` run. It only loads the synth command's
 * bundle (build/synth-app.js) through V8's code cache, so a synth does not compile it again.
 */
const codeCache = CodeCache.fromEnvironment(PROJECT_ROOT);
const { runSynth } = loadBundle<typeof import('./synth')>(codeCache, path.join(__dirname, 'synth-app.js'));

void runSynth().then(() => {
  if (process.exitCode === undefined) codeCache?.persist();
});
