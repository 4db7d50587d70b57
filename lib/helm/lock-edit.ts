import { parseDocument } from 'yaml';
import type { ChartLockEntry } from './chart-lock';

/*
 * Writing the lock, apart from reading it (chart-lock.ts): synth only reads, with js-yaml, and need not
 * load the `yaml` package, whose Document keeps every comment and line of a file it changes.
 */

/**
 * The lock file's text with one chart's entry set (added at the end of `charts`, or its fields replaced),
 * every comment and every other line kept as written.
 */
export function lockTextWith(text: string, name: string, entry: ChartLockEntry): string {
  const document = parseDocument(text);
  if (document.hasIn(['charts', name])) {
    for (const [field, value] of Object.entries(entry)) document.setIn(['charts', name, field], value);
  } else {
    document.setIn(['charts', name], document.createNode({ ...entry }));
  }
  return document.toString();
}
