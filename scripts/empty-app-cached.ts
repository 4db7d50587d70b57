import * as path from 'path';
import { CodeCache } from '../lib/code-cache';

// The strict floor of `npm run bench`: the empty app, loaded through the same code cache as synth.
const codeCache = new CodeCache(process.env.CODE_CACHE_DIR ?? path.join(__dirname, '..', '.cache', 'code'));
codeCache.load(path.join(__dirname, 'empty-app.js'));
codeCache.persist();
