import { getAt } from '../support/object-path';
import { listOverrides } from './loader';
import { BOOK_DEFAULTS, ConfigSchema } from './schema';

/*
 * docs/config.md, generated from the schema: each field's description, default (the book's value),
 * environment variable and rule are read from lib/config/schema.ts, so the reference cannot drift from
 * what the loader accepts. `npm run docs` writes it; a test fails when the committed file is stale.
 */

/** The part of a valibot schema or action this reads. */
interface SchemaNode {
  readonly kind?: string;
  readonly type?: string;
  readonly message?: unknown;
  readonly description?: string;
  readonly entries?: Record<string, SchemaNode>;
  readonly item?: SchemaNode;
  readonly pipe?: readonly SchemaNode[];
}

/** One row of the reference. */
interface FieldRow {
  readonly field: string;
  readonly description: string;
  readonly rules: readonly string[];
}

/** The type checks every value has; the rules that say more are the ones worth printing. */
const BASE_TYPES = new Set(['string', 'number', 'array', 'strict_object']);

/** The whole reference page, as committed in docs/config.md. */
export function configReference(): string {
  const variables = new Map([...listOverrides()].map(([variable, at]) => [at.join('.'), variable]));
  const rows = fieldRows(ConfigSchema as unknown as SchemaNode, []);
  const lines = [
    '# Config reference',
    '',
    '<!-- Generated from lib/config/schema.ts by `npm run docs`; a test fails when this file is stale. -->',
    '',
    'Each environment is one file, `config/environments/<name>.yaml`; every field is optional, and an unset',
    'field takes the default, which is the book\'s value. A `BOOK_*` variable overrides a field in every',
    'environment (lists are comma-separated). Every problem of every environment is reported at once, one',
    'line each, naming the file or variable, the field, the value and what is expected. Two rules relate',
    'fields: `nfs.dataPath` lies below `nfs.exportRoot`, and each request of `prometheus.resources` is at most its limit.',
    '',
    '| field | default | variable | what it is | rule |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map((row) => {
      const variable = variables.get(row.field);
      const cells = [code(row.field), code(JSON.stringify(getAt(BOOK_DEFAULTS, row.field.split('.')))), variable ? code(variable) : '',
        row.description, row.rules.join('; ')];
      return `| ${cells.map(escapeCell).join(' | ')} |`;
    }),
    '',
  ];
  return lines.join('\n');
}

/** Every leaf field of an object schema, depth first, in the schema's order. */
function fieldRows(schema: SchemaNode, at: readonly string[]): FieldRow[] {
  const entries = objectEntries(schema);
  if (!entries) return [{ field: at.join('.'), description: descriptionOf(schema), rules: rulesOf(schema) }];
  return Object.entries(entries).flatMap(([key, child]) => fieldRows(child, [...at, key]));
}

function objectEntries(schema: SchemaNode): Record<string, SchemaNode> | undefined {
  if (schema.entries) return schema.entries;
  const base = schema.pipe?.[0];
  return base && base !== schema ? objectEntries(base) : undefined;
}

function descriptionOf(schema: SchemaNode): string {
  for (const node of schema.pipe ?? []) {
    if (node.type === 'description' && node.description) return node.description;
  }
  return '';
}

/** The messages of a field's checks, in order and each once: what the loader says of a value it refuses. */
function rulesOf(schema: SchemaNode): string[] {
  const messages: string[] = [];
  const visit = (node: SchemaNode, isBase: boolean): void => {
    if (node.pipe) {
      node.pipe.forEach((step, index) => (step === node ? undefined : visit(step, index === 0)));
    }
    if (node.item) visit(node.item, true);
    const printable = typeof node.message === 'string' && node.type !== 'description';
    if (printable && !(isBase && BASE_TYPES.has(node.type ?? '')) && node.kind !== 'transformation') {
      messages.push(node.message as string);
    }
  };
  visit(schema, true);
  return [...new Set(messages)];
}

function code(text: string): string {
  return `\`${text}\``;
}

/** Text as one cell of a markdown table: its pipes escaped. */
export function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}
