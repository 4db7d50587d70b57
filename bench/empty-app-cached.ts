import * as path from 'path';
import { CodeCache, loadBundle } from '../lib/support/code-cache';
import { PROJECT_ROOT } from '../lib/support/project-root';

// The strict floor of `npm run bench`: the empty app, loaded the way synth loads its bundles.
const codeCache = CodeCache.fromEnvironment(PROJECT_ROOT);
loadBundle(codeCache, path.join(__dirname, 'empty-app.js'));
codeCache?.persist();
