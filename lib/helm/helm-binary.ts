import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomically } from '../support/atomic-file';
import { UserError } from '../support/errors';
import { PROJECT_ROOT } from '../support/project-root';
import { helmTimeoutMs } from './helm-template';

/** Where scripts/install-tools.sh puts the pinned tools. */
export const TOOLS_BIN = path.join(PROJECT_ROOT, 'tools', 'bin');
const INSTALL_SCRIPT = path.join(PROJECT_ROOT, 'scripts', 'install-tools.sh');

/** A helm v3 binary and the version it reports. */
export interface HelmBinary {
  /** Absolute path of the executable. */
  readonly path: string;
  /** What `helm version` reports, e.g. "v3.18.6". */
  readonly version: string;
  /** Version, real path, size and modification time: changes whenever the binary does. */
  readonly identity: string;
}

/** Remembers which binaries were checked to be helm v3, so synth need not run `helm version` each time. */
const VERSION_MEMO_FILE = path.join(PROJECT_ROOT, '.cache', 'helm-versions.json');

export interface FindHelmOptions {
  /** Environment to search PATH in. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Folder of the pinned tools. @default tools/bin of this project */
  readonly toolsBin?: string;
  /** Build the pinned helm when none is found. @default true */
  readonly install?: boolean;
}

/** Environment variable naming the helm to use, instead of searching for one. */
const HELM_BIN_ENV = 'HELM_BIN';

/**
 * Finds helm v3: $HELM_BIN when set; else the project's pinned build in tools/bin (so every machine
 * renders with the same helm), then a v3 helm on PATH, and otherwise builds the pinned version with
 * Go. Throws a UserError saying how to install helm when none can be had.
 */
export function findHelm(options: FindHelmOptions = {}): HelmBinary {
  const env = options.env ?? process.env;
  const chosen = env[HELM_BIN_ENV];
  if (chosen) {
    const found = describeHelm(chosen);
    if (!found) throw new UserError(`${HELM_BIN_ENV}: ${chosen} is not an executable helm v3 (\`${chosen} version\` must print v3.x)`);
    return found;
  }
  const toolsBin = options.toolsBin ?? TOOLS_BIN;
  const candidates = [path.join(toolsBin, 'helm'), ...searchPath('helm', env)];
  for (const candidate of candidates) {
    const found = describeHelm(candidate);
    if (found) return found;
  }
  if (options.install === false) {
    throw new UserError(noHelmMessage());
  }
  installPinnedHelm(env);
  const pinned = describeHelm(path.join(toolsBin, 'helm'));
  if (!pinned) throw new UserError(noHelmMessage());
  return pinned;
}

/** The HelmBinary for an executable that is helm v3, else undefined. */
function describeHelm(executable: string): HelmBinary | undefined {
  if (!isExecutableFile(executable)) return undefined;
  const realPath = fs.realpathSync(executable);
  const stat = fs.statSync(realPath);
  const fingerprint = `${realPath}|${stat.size}|${stat.mtimeMs}`;
  const memo = readVersionMemo();
  const version = memo[fingerprint] ?? helmV3Version(executable);
  if (!version) return undefined;
  if (memo[fingerprint] !== version) writeFileAtomically(VERSION_MEMO_FILE, JSON.stringify({ ...memo, [fingerprint]: version }, null, 2));
  return { path: executable, version, identity: `${version}|${fingerprint}` };
}

function readVersionMemo(): Record<string, string> {
  try {
    return JSON.parse(fs.readFileSync(VERSION_MEMO_FILE, 'utf8')) as Record<string, string>;
  } catch {
    return {};
  }
}

function noHelmMessage(): string {
  const install = 'install it (https://helm.sh/docs/intro/install/)';
  return `helm v3 not found: ${install} or install Go and run \`npm run tools\` to build the pinned version into tools/bin`;
}

function searchPath(command: string, env: NodeJS.ProcessEnv): string[] {
  return (env.PATH ?? '').split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, command));
}

/** The version a helm v3 executable reports, or undefined when it is not helm v3. */
function helmV3Version(executable: string): string | undefined {
  const options = { encoding: 'utf8', timeout: helmTimeoutMs(), killSignal: 'SIGKILL' } as const;
  const result = spawnSync(executable, ['version', '--template', '{{.Version}}'], options);
  const version = result.status === 0 ? result.stdout.trim() : '';
  return /^v3\./.test(version) ? version : undefined;
}

function isExecutableFile(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Builds the pinned helm; the build's progress goes to stderr, so a first synth is not silent for minutes. */
function installPinnedHelm(env: NodeJS.ProcessEnv): void {
  const result = spawnSync('bash', [INSTALL_SCRIPT, 'helm'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) {
    throw new UserError(`helm v3 not found, and building the pinned helm failed (exit code ${result.status}, reason above); ${noHelmMessage()}`);
  }
}
