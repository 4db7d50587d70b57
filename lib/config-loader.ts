import * as fs from 'fs';
import * as path from 'path';
import * as v from 'valibot';
import { BOOK_DEFAULTS, Config, ConfigSchema } from './config';
import { UserError } from './errors';
import { parseYaml } from './yaml-documents';

/** Prefix of the environment variables that override single config values, e.g. BOOK_NFS_SERVER. */
export const ENV_PREFIX = 'BOOK_';
/** Environment variable that limits synth to some environments: a comma-separated list of names. */
export const ENV_SELECTION = 'SYNTH_ENVIRONMENTS';

/** One target environment: its name (the config file's base name) and validated config. */
export interface Environment {
  /** Environment name; also the folder under dist/ it is synthesized into. */
  readonly name: string;
  /** The config file it was read from. */
  readonly file: string;
  /** The validated config. */
  readonly config: Config;
}

export interface LoadOptions {
  /** Folder holding one `<environment>.yaml` per environment. */
  readonly configDir: string;
  /** Environment variables to read BOOK_* overrides and SYNTH_ENVIRONMENTS from. */
  readonly env: NodeJS.ProcessEnv;
}

type PlainObject = { [key: string]: unknown };
type ValueSources = Map<string, string>;

interface Override {
  readonly variable: string;
  readonly path: string[];
}

/**
 * Reads, merges and validates every environment's config. Throws a UserError with one line naming
 * the source, the field, the value and what is expected at the first problem.
 */
export function loadEnvironments(options: LoadOptions): Environment[] {
  const files = selectFiles(options.configDir, options.env[ENV_SELECTION]);
  return files.map((file) => loadEnvironment(file, options.env));
}

/** Reads one environment file, applies BOOK_* overrides and validates the result. */
export function loadEnvironment(file: string, env: NodeJS.ProcessEnv): Environment {
  const name = path.basename(file, '.yaml');
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 63) {
    throw new UserError(`${file}: environment name "${name}" is invalid: expected a DNS-1123 label as the file's base name`);
  }
  const sources: ValueSources = new Map();
  const fromFile = readYamlMapping(file);
  const merged = deepMerge(BOOK_DEFAULTS as unknown as PlainObject, fromFile, file, [], sources);
  applyEnvOverrides(merged, env, sources);
  return { name, file, config: validate(merged, sources, file) };
}

/** Validates a raw config object; `origin` names where values without a recorded source came from. */
export function validate(raw: PlainObject, sources: ValueSources, origin: string): Config {
  const result = v.safeParse(ConfigSchema, raw);
  if (result.success) return result.output;
  // A misspelt key is usually the cause of the other problems: report it first.
  const issue = result.issues.find(isUnknownKey) ?? result.issues[0];
  throw new UserError(describeIssue(issue, raw, sources, origin));
}

function selectFiles(configDir: string, selection: string | undefined): string[] {
  if (!fs.existsSync(configDir)) {
    throw new UserError(`config directory ${configDir} does not exist: expected one <environment>.yaml per environment`);
  }
  const available = fs.readdirSync(configDir).filter((entry) => entry.endsWith('.yaml')).sort();
  if (available.length === 0) {
    throw new UserError(`config directory ${configDir} has no .yaml file: expected one <environment>.yaml per environment`);
  }
  if (selection === undefined || selection.trim() === '') {
    return available.map((entry) => path.join(configDir, entry));
  }
  return selection.split(',').map((wanted) => {
    const entry = `${wanted.trim()}.yaml`;
    if (!available.includes(entry)) {
      throw new UserError(`${ENV_SELECTION}: "${wanted.trim()}" is not an environment: expected one of ${available.map((e) => e.slice(0, -5)).join(', ')}`);
    }
    return path.join(configDir, entry);
  });
}

function readYamlMapping(file: string): PlainObject {
  let content: unknown;
  try {
    content = parseYaml(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UserError(`${file}: not valid YAML: ${(error as Error).message}`);
  }
  if (content === null || content === undefined) return {};
  if (!isPlainObject(content)) {
    throw new UserError(`${file}: expected a mapping of settings at the top level, got ${describeType(content)}`);
  }
  return content;
}

/** Overlays `overlay` on a copy of `base`: mappings merge key by key, everything else replaces. */
function deepMerge(base: PlainObject, overlay: PlainObject, source: string, at: string[], sources: ValueSources): PlainObject {
  const result: PlainObject = { ...base };
  for (const [key, value] of Object.entries(overlay)) {
    const here = [...at, key];
    const current = base[key];
    if (isPlainObject(current) && isPlainObject(value)) {
      result[key] = deepMerge(current, value, source, here, sources);
    } else {
      result[key] = value;
      sources.set(here.join('.'), source);
    }
  }
  return result;
}

function applyEnvOverrides(config: PlainObject, env: NodeJS.ProcessEnv, sources: ValueSources): void {
  const overrides = listOverrides();
  for (const variable of Object.keys(env).filter((name) => name.startsWith(ENV_PREFIX)).sort()) {
    const override = overrides.find((candidate) => candidate.variable === variable);
    if (!override) {
      throw new UserError(`${variable}: unknown setting: expected one of ${overrides.map((o) => o.variable).join(', ')}`);
    }
    setAt(config, override.path, parseEnvValue(env[variable] ?? '', getAt(BOOK_DEFAULTS as unknown as PlainObject, override.path)));
    sources.set(override.path.join('.'), variable);
  }
}

/** Every leaf of the defaults, with its environment variable: nfs.exportRoot -> BOOK_NFS_EXPORT_ROOT. */
export function listOverrides(): Override[] {
  const overrides: Override[] = [];
  const walk = (node: PlainObject, at: string[]): void => {
    for (const [key, value] of Object.entries(node)) {
      if (isPlainObject(value)) {
        walk(value, [...at, key]);
      } else {
        overrides.push({ variable: ENV_PREFIX + [...at, key].map(toScreamingSnake).join('_'), path: [...at, key] });
      }
    }
  };
  walk(BOOK_DEFAULTS as unknown as PlainObject, []);
  return overrides;
}

/** Env values are strings; a field whose default is a number takes a strictly decimal integer. */
function parseEnvValue(value: string, defaultValue: unknown): unknown {
  if (typeof defaultValue === 'number' && /^-?[0-9]+$/.test(value)) {
    return Number(value);
  }
  return value;
}

type Issue = v.InferIssue<typeof ConfigSchema>;

function isUnknownKey(issue: Issue): boolean {
  return issue.type === 'strict_object' && issue.expected === 'never';
}

function describeIssue(issue: Issue, raw: PlainObject, sources: ValueSources, origin: string): string {
  const at = (issue.path ?? []).map((item) => String(item.key));
  const field = at.join('.');
  const source = sources.get(field) ?? origin;
  if (isUnknownKey(issue)) {
    const allowed = Object.keys(getAt(BOOK_DEFAULTS as unknown as PlainObject, at.slice(0, -1)) as PlainObject);
    return `${source}: ${field}: unknown setting: expected one of ${allowed.join(', ')}`;
  }
  const label = source.startsWith(ENV_PREFIX) ? `${source} (${field})` : `${source}: ${field}`;
  return `${label}: ${describeValue(getAt(raw, at))} is invalid: ${oneLine(issue.message)}`;
}

function describeValue(value: unknown): string {
  const text = value === undefined ? 'nothing' : JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

function describeType(value: unknown): string {
  return Array.isArray(value) ? 'a list' : typeof value;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function toScreamingSnake(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

function isPlainObject(value: unknown): value is PlainObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function getAt(node: PlainObject, at: string[]): unknown {
  let current: unknown = node;
  for (const key of at) {
    if (!isPlainObject(current)) return undefined;
    current = current[key];
  }
  return current;
}

function setAt(node: PlainObject, at: string[], value: unknown): void {
  let current = node;
  for (const key of at.slice(0, -1)) {
    const next = current[key];
    current[key] = isPlainObject(next) ? { ...next } : {};
    current = current[key] as PlainObject;
  }
  current[at[at.length - 1]] = value;
}
