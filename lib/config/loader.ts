import * as fs from 'fs';
import * as path from 'path';
import * as v from 'valibot';
import { parseYaml } from '../manifests/yaml';
import { UserError } from '../support/errors';
import { getAt, isPlainObject, PlainObject, setAt } from '../support/object-path';
import { describeValue, writtenAs } from './describe';
import { isDnsLabel } from '../support/rules';
import { BOOK_DEFAULTS, Config, ConfigSchema } from './schema';

/** Prefix of the environment variables that override single config values, e.g. BOOK_NFS_SERVER. */
const ENV_PREFIX = 'BOOK_';
/** Environment variable that limits synth to some environments: a comma-separated list of names. */
const ENV_SELECTION = 'SYNTH_ENVIRONMENTS';

/** The environment `dist/` itself holds: the book's lab. */
export const DEFAULT_ENVIRONMENT = 'lab';

/**
 * Where an environment's manifests go: `dist/` for the default environment, and `dist-<name>/` beside
 * it for every other, so no environment's folder contains another's (Flux reads a folder recursively).
 */
export function environmentOutdir(outdir: string, name: string): string {
  return name === DEFAULT_ENVIRONMENT ? outdir : `${outdir}-${name}`;
}

/** The environment names of a config folder: the base names of its .yaml files, sorted. */
export function environmentNames(configDir: string): string[] {
  return fs.readdirSync(configDir).filter((entry) => entry.endsWith('.yaml')).sort().map((entry) => entry.slice(0, -'.yaml'.length));
}

/** One target environment: its name (the config file's base name) and validated config. */
export interface Environment {
  /** Environment name: the config file's base name; see environmentOutdir() for where it is written. */
  readonly name: string;
  /** The validated config. */
  readonly config: Config;
}

/** Where the loader reads from. */
export interface LoadOptions {
  /** Folder holding one `<environment>.yaml` per environment. */
  readonly configDir: string;
  /** Environment variables to read BOOK_* overrides and SYNTH_ENVIRONMENTS from. */
  readonly env: NodeJS.ProcessEnv;
}

/** Which file or variable set each config value, by dotted field path. */
type ValueSources = Map<string, string>;
type Issue = v.InferIssue<typeof ConfigSchema>;

/** A value, or the problems that stopped it, each one line. */
type Checked<T> = { value: T; problems: [] } | { value?: undefined; problems: string[] };

/**
 * Reads, merges and validates every selected environment. Throws one UserError listing every
 * problem of every environment, each as a line naming the source, the field, the value and what is
 * expected.
 */
export function loadEnvironments(options: LoadOptions): Environment[] {
  const files = selectFiles(options.configDir, options.env[ENV_SELECTION]);
  const checked = files.map((file) => checkEnvironment(file, options.env));
  // A bad BOOK_* variable is the same problem in every environment: said once.
  const problems = [...new Set(checked.flatMap((result) => result.problems))];
  if (problems.length > 0) throw new UserError(problems);
  return checked.map((result) => result.value as Environment);
}

function checkEnvironment(file: string, env: NodeJS.ProcessEnv): Checked<Environment> {
  const name = path.basename(file, '.yaml');
  if (!isDnsLabel(name)) {
    return { problems: [`${file}: environment name "${name}" is invalid: expected a DNS-1123 label as the file's base name`] };
  }
  const texts = new Map<string, string>();
  const fromFile = readYamlMapping(file, texts);
  if (fromFile.value === undefined) return fromFile;
  const sources: ValueSources = new Map();
  const merged = deepMerge(BOOK_DEFAULTS as unknown as PlainObject, fromFile.value, file, [], sources);
  const problems = applyEnvOverrides(merged, env, sources);
  const result = v.safeParse(ConfigSchema, merged);
  if (!result.success) problems.push(...result.issues.map((issue) => describeIssue(issue, merged, sources, file, texts)));
  if (problems.length > 0 || !result.success) return { problems };
  return { value: { name, config: result.output }, problems: [] };
}

function selectFiles(configDir: string, selection: string | undefined): string[] {
  if (!fs.existsSync(configDir)) {
    throw new UserError(`config directory ${configDir} does not exist: expected one <environment>.yaml per environment`);
  }
  const available = environmentNames(configDir);
  if (available.length === 0) {
    throw new UserError(`config directory ${configDir} has no .yaml file: expected one <environment>.yaml per environment`);
  }
  if (selection === undefined || selection.trim() === '') {
    return available.map((name) => path.join(configDir, `${name}.yaml`));
  }
  const wanted = selection.split(',').map((name) => name.trim());
  const unknown = wanted.filter((name) => !available.includes(name));
  if (unknown.length > 0) {
    throw new UserError(unknown.map((name) => `${ENV_SELECTION}: "${name}" is not an environment: expected one of ${available.join(', ')}`));
  }
  return wanted.map((name) => path.join(configDir, `${name}.yaml`));
}

/** An environment file is a handful of settings; anything this large is a mistake or an attack. */
const MAX_CONFIG_FILE_BYTES = 64 * 1024;

/** Parses the file; its text goes into `texts`, for messages that quote a value as written. */
function readYamlMapping(file: string, texts: Map<string, string>): Checked<PlainObject> {
  let content: unknown;
  try {
    const size = fs.statSync(file).size;
    if (size > MAX_CONFIG_FILE_BYTES) {
      return { problems: [`${file}: ${size} bytes is too large: expected an environment file of at most ${MAX_CONFIG_FILE_BYTES} bytes`] };
    }
    const text = fs.readFileSync(file, 'utf8');
    texts.set(file, text);
    content = parseYaml(text);
  } catch (error) {
    return { problems: [`${file}: not valid YAML: ${(error as Error).message}`] };
  }
  if (content === null || content === undefined) return { value: {}, problems: [] };
  if (!isPlainObject(content)) {
    return { problems: [`${file}: expected a mapping of settings at the top level, got ${Array.isArray(content) ? 'a list' : typeof content}`] };
  }
  return { value: content, problems: [] };
}

/** Overlays `overlay` on a copy of `base`: mappings merge key by key, everything else replaces. */
function deepMerge(base: PlainObject, overlay: PlainObject, source: string, at: string[], sources: ValueSources): PlainObject {
  const result: PlainObject = { ...base };
  for (const [key, value] of Object.entries(overlay)) {
    const here = [...at, key];
    const current = Object.prototype.hasOwnProperty.call(base, key) ? base[key] : undefined;
    const merged = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value, source, here, sources) : value;
    if (merged === value) sources.set(here.join('.'), source);
    // An own property even for "__proto__" and friends, so the schema sees them as the unknown keys they are.
    Object.defineProperty(result, key, { value: merged, enumerable: true, writable: true, configurable: true });
  }
  return result;
}

/** Sets each BOOK_* variable's value into `config`; returns one problem per unknown variable. */
function applyEnvOverrides(config: PlainObject, env: NodeJS.ProcessEnv, sources: ValueSources): string[] {
  const overrides = listOverrides();
  const problems: string[] = [];
  for (const variable of Object.keys(env).filter((name) => name.startsWith(ENV_PREFIX)).sort()) {
    const at = overrides.get(variable);
    if (!at) {
      problems.push(`${variable}: unknown setting: expected one of ${[...overrides.keys()].join(', ')}`);
      continue;
    }
    setAt(config, at, parseEnvValue(env[variable] ?? '', getAt(BOOK_DEFAULTS, at)));
    sources.set(at.join('.'), variable);
  }
  return problems;
}

/** Every leaf of the defaults by its environment variable: BOOK_NFS_EXPORT_ROOT -> nfs.exportRoot. */
export function listOverrides(): Map<string, string[]> {
  const overrides = new Map<string, string[]>();
  const walk = (node: PlainObject, at: string[]): void => {
    for (const [key, value] of Object.entries(node)) {
      if (isPlainObject(value)) walk(value, [...at, key]);
      else overrides.set(ENV_PREFIX + [...at, key].map(toScreamingSnake).join('_'), [...at, key]);
    }
  };
  walk(BOOK_DEFAULTS as unknown as PlainObject, []);
  return overrides;
}

/**
 * Env values are strings; a field whose default is a number takes a strictly decimal integer, one whose
 * default is a boolean takes true or false, and a list takes comma-separated items.
 */
function parseEnvValue(value: string, defaultValue: unknown): unknown {
  if (Array.isArray(defaultValue)) return value.split(',').map((item) => item.trim());
  if (typeof defaultValue === 'boolean' && /^(true|false)$/.test(value)) return value === 'true';
  return typeof defaultValue === 'number' && /^-?[0-9]+$/.test(value) ? Number(value) : value;
}

function describeIssue(issue: Issue, raw: PlainObject, sources: ValueSources, origin: string, texts: Map<string, string>): string {
  const at = (issue.path ?? []).map((item) => String(item.key));
  const field = at.join('.');
  const source = sourceOf(at, sources) ?? origin;
  if (issue.type === 'strict_object' && issue.expected === 'never') {
    const allowed = Object.keys(getAt(BOOK_DEFAULTS, at.slice(0, -1)) as PlainObject);
    return `${source}: ${field}: unknown setting: expected one of ${allowed.join(', ')}`;
  }
  const label = source.startsWith(ENV_PREFIX) ? `${source} (${field})` : `${source}: ${field}`;
  const value = getAt(raw, at);
  const written = typeof value === 'number' && !Number.isFinite(value) && source === origin ? writtenAs(texts.get(origin), at) : undefined;
  return `${label}: ${written ?? describeValue(value)} is invalid: ${issue.message.replace(/\s+/g, ' ').trim()}`;
}

/** Who set the value at a path: the path itself, or the list or mapping it is inside. */
function sourceOf(at: readonly string[], sources: ValueSources): string | undefined {
  for (let length = at.length; length > 0; length -= 1) {
    const source = sources.get(at.slice(0, length).join('.'));
    if (source) return source;
  }
  return undefined;
}

function toScreamingSnake(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}
