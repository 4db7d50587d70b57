import { isPlainObject } from '../support/object-path';

/*
 * Config values as error messages quote them: bounded in length, and numbers YAML cannot hold (1e400,
 * .nan) as the file wrote them.
 */

const MAX_DESCRIPTION = 120;

/**
 * The value as JSON, cut at MAX_DESCRIPTION characters without ever writing more: a YAML alias bomb
 * is small as parsed (shared references) and astronomically large as text.
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const parts: string[] = [];
  let length = 0;
  const emit = (text: string): boolean => {
    parts.push(text);
    length += text.length;
    return length <= MAX_DESCRIPTION;
  };
  const walk = (node: unknown): boolean => {
    if (typeof node === 'number') return emit(Number.isFinite(node) ? JSON.stringify(node) : String(node));
    if (Array.isArray(node)) {
      if (!emit('[')) return false;
      for (const [index, item] of node.entries()) if ((index > 0 && !emit(',')) || !walk(item)) return false;
      return emit(']');
    }
    if (isPlainObject(node)) {
      if (!emit('{')) return false;
      for (const [index, [key, item]] of Object.entries(node).entries()) {
        if ((index > 0 && !emit(',')) || !emit(`${JSON.stringify(key)}:`) || !walk(item)) return false;
      }
      return emit('}');
    }
    return emit(JSON.stringify(node) ?? String(node));
  };
  const complete = walk(value);
  const text = parts.join('');
  return complete ? text : `${text.slice(0, MAX_DESCRIPTION - 3)}...`;
}

/**
 * How the file wrote the value of the path's last key, for a number the parser turned into Infinity
 * or NaN; undefined when the text does not show it plainly.
 */
export function writtenAs(text: string | undefined, at: readonly string[]): string | undefined {
  const key = at[at.length - 1];
  if (text === undefined || key === undefined || !/^[A-Za-z0-9_]+$/.test(key)) return undefined;
  return new RegExp(`(?:^|[\\s{,])${key}:[ \\t]*([^\\s,}#]+)`, 'm').exec(text)?.[1];
}
