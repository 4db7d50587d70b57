import * as fs from 'fs';
import * as path from 'path';
import { Manifest } from './manifest';
import { parseDocuments } from './yaml';

/**
 * Every object of an output folder (dist/ or dist-<name>/), in the order `kubectl apply -f` reads them:
 * the folder's .yaml files by name, each file's documents in order. Empty documents are skipped.
 */
export function readManifestFolder(folder: string): Manifest[] {
  const files = fs.readdirSync(folder).filter((file) => file.endsWith('.yaml')).sort();
  return files.flatMap((file) => parseDocuments(fs.readFileSync(path.join(folder, file), 'utf8')).map((document) => document.value as Manifest));
}
