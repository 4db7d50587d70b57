import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseYaml } from '../manifests/yaml';
import { PROJECT_ROOT } from '../support/project-root';

/*
 * Where a synth writes depends on how it was started, and the app tells that from $CDK8S_OUTDIR, which the
 * cdk8s CLI sets to the folder it removed before running the app:
 * - `npm run synth` (no CDK8S_OUTDIR): dist/ and dist-<name>/ in the project.
 * - `npx cdk8s synth`: CDK8S_OUTDIR is cdk8s.yaml's `output:`, a scratch folder the CLI may remove; the app
 *   writes dist/ and dist-<name>/ in the working folder (cdk8s's default output), whole or not at all, and
 *   links their files into the scratch folder, which the CLI lists and hands to validation plugins.
 * - `npx cdk8s synth -o DIR`: DIR for the default environment, DIR-<name>/ beside it for the others.
 * - `npx cdk8s synth --stdout`: one environment as one file in the CLI's temp folder, which it prints.
 */

/** What a synth writes, and where. */
export type Destination =
  /** Folders put in place whole: `outdir` for the default environment, `<outdir>-<name>` for the others. */
  | { readonly kind: 'folders'; readonly outdir: string; readonly listing?: string }
  /** One environment as one file in `outdir`, which the CLI prints. */
  | { readonly kind: 'stdout'; readonly outdir: string };

/** The destination of a synth started with this environment, in this working folder. */
export function destination(env: NodeJS.ProcessEnv, cwd = process.cwd()): Destination {
  const requested = env.CDK8S_OUTDIR;
  if (requested === undefined) return { kind: 'folders', outdir: path.join(PROJECT_ROOT, 'dist') };
  const scratch = cliOutput(cwd);
  if (scratch !== undefined && path.resolve(cwd, requested) === scratch) {
    return { kind: 'folders', outdir: path.join(cwd, 'dist'), listing: scratch };
  }
  if (isCliTempFolder(requested)) return { kind: 'stdout', outdir: requested };
  return { kind: 'folders', outdir: requested };
}

/** The absolute `output:` of the cdk8s.yaml the CLI read (the working folder's), if it names one. */
function cliOutput(cwd: string): string | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path.join(cwd, 'cdk8s.yaml'), 'utf8');
  } catch {
    return undefined;
  }
  const output = (parseYaml(text) as { output?: unknown } | null)?.output;
  return typeof output === 'string' ? path.resolve(cwd, output) : undefined;
}

/**
 * `npx cdk8s synth --stdout` runs the app into a fresh `cdk8s-XXXXXX` folder in the temp directory
 * (fs.mkdtemp), then prints every file there joined without `---`, so separate files would merge their
 * first and last documents: for that run the app writes one environment as one file.
 */
function isCliTempFolder(outdir: string): boolean {
  return path.dirname(path.resolve(outdir)) === path.resolve(os.tmpdir()) && /^cdk8s-[A-Za-z0-9]{6}$/.test(path.basename(outdir));
}

/**
 * Links every file of the published folders into the CLI's scratch folder, one subfolder per output
 * folder (`<scratch>/dist/0000-storage.k8s.yaml -> ../../dist/0000-storage.k8s.yaml`): the CLI lists what
 * the synth wrote and validation plugins read it there. Construct metadata, when recorded, is moved
 * from the folders into the scratch folder, where the CLI reads it, so that no output folder holds it.
 */
export function linkIntoScratch(scratch: string, folders: readonly string[]): void {
  fs.mkdirSync(scratch, { recursive: true });
  for (const folder of folders) {
    const links = path.join(scratch, path.basename(folder));
    fs.rmSync(links, { recursive: true, force: true });
    fs.mkdirSync(links);
    for (const file of fs.readdirSync(folder).sort()) {
      fs.symlinkSync(path.relative(links, path.join(folder, file)), path.join(links, file));
    }
  }
}
