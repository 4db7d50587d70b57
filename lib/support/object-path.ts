/** A JSON-like mapping: what YAML and JSON documents parse into. */
export type PlainObject = { [key: string]: unknown };

/** True for a mapping, not for null, a list or a scalar. */
export function isPlainObject(value: unknown): value is PlainObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value at a path of keys (list indexes as digits), or undefined where the path leaves the tree. */
export function getAt(node: unknown, at: readonly string[]): unknown {
  let current: unknown = node;
  for (const key of at) {
    if (Array.isArray(current) && /^\d+$/.test(key)) {
      current = current[Number(key)];
    } else if (isPlainObject(current) && Object.prototype.hasOwnProperty.call(current, key)) {
      current = current[key];
    } else {
      return undefined;
    }
  }
  return current;
}

/** Sets the value at a path of keys, copying (never mutating) the mappings along it. */
export function setAt(node: PlainObject, at: readonly string[], value: unknown): void {
  let current = node;
  for (const key of at.slice(0, -1)) {
    const next = current[key];
    current[key] = isPlainObject(next) ? { ...next } : {};
    current = current[key] as PlainObject;
  }
  current[at[at.length - 1]] = value;
}
