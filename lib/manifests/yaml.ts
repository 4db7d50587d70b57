import { CORE_SCHEMA, load, YAMLException } from 'js-yaml';

/*
 * YAML reading for config files, the chart lock and helm's output. js-yaml because it parses helm's
 * output fastest (see BENCHMARKS.md), and every synth waits for that parse. The core schema reads
 * YAML 1.2 plainly: no timestamps, no merge keys, duplicate keys are an error.
 */

/** One document of a multi-document stream, with the template helm names in its "# Source:" comment. */
export interface SourcedDocument {
  /** The parsed document. */
  readonly value: unknown;
  /** The "# Source:" path, or undefined when there is none. */
  readonly source?: string;
}

/** Parses one YAML document; throws an Error whose message is one line with line and column. */
export function parseYaml(text: string): unknown {
  try {
    return load(text, { schema: CORE_SCHEMA });
  } catch (error) {
    if (error instanceof YAMLException) {
      throw new Error(`${error.reason} (line ${error.mark.line + 1}, column ${error.mark.column + 1})`, { cause: error });
    }
    throw error;
  }
}

/**
 * Splits a stream on its `---` lines (a `---` at the start of a line always ends a document, even
 * inside a block scalar) and parses each part; empty documents are dropped.
 */
export function parseDocuments(text: string): SourcedDocument[] {
  const documents: SourcedDocument[] = [];
  for (const part of text.split(/^---[ \t]*$/m)) {
    const value = parseYaml(part);
    if (value === null || value === undefined) continue;
    documents.push({ value, source: /^# Source: (\S+)[ \t]*$/m.exec(part)?.[1] });
  }
  return documents;
}
