import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { minorOf } from '../../lib/support/rules';
import { pinnedReleases } from '../../e2e/releases';

/*
 * The schemas kubectl-validate checks a target against. v0.0.4 has the built-in schemas of 1.23–1.30;
 * for a later target, the OpenAPI v3 documents of that release (api/openapi-spec/v3 in its
 * k8s.io/kubernetes module, the one e2e/kube/v1.N pins and `npm run tools` downloads), laid out as
 * kubectl-validate's --local-schemas wants them: api/v1.json, apis/<group>/<version>.json.
 */

/** The newest release whose schemas kubectl-validate v0.0.4 has built in. */
const NEWEST_BUILT_IN_MINOR = 30;

/** kubectl-validate's flags for a target "1.N". */
export function schemaFlags(kubernetesVersion: string): string[] {
  return minorOf(kubernetesVersion) <= NEWEST_BUILT_IN_MINOR ? ['--version', kubernetesVersion] : ['--local-schemas', localSchemas(kubernetesVersion)];
}

const laidOut = new Map<string, string>();

function localSchemas(kubernetesVersion: string): string {
  const known = laidOut.get(kubernetesVersion);
  if (known) return known;
  const specDir = path.join(moduleDir(kubernetesVersion), 'api', 'openapi-spec', 'v3');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `schemas-${kubernetesVersion}-`));
  for (const file of fs.readdirSync(specDir)) {
    // api__v1_openapi.json -> api/v1.json; apis__apps__v1_openapi.json -> apis/apps/v1.json
    const match = /^(api|apis__[a-z0-9.-]+)__(v[0-9a-z]+)_openapi\.json$/.exec(file);
    if (!match) continue;
    const target = path.join(dir, ...match[1].split('__'), `${match[2]}.json`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(path.join(specDir, file), target);
  }
  laidOut.set(kubernetesVersion, dir);
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Where the Go module cache holds the k8s.io/kubernetes release that e2e/kube/v1.N pins. */
function moduleDir(kubernetesVersion: string): string {
  const release = pinnedReleases().find((pinned) => pinned.target === kubernetesVersion);
  if (!release) {
    throw new Error(`no schemas for Kubernetes ${kubernetesVersion}: kubectl-validate has none built in, and e2e/kube/v${kubernetesVersion}/go.mod pins no release`);
  }
  const cache = spawnSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' }).stdout.trim();
  const dir = path.join(cache, 'k8s.io', `kubernetes@${release.version}`);
  if (!fs.existsSync(dir)) throw new Error(`the OpenAPI documents of Kubernetes ${release.version} are not in ${cache}: run \`npm run tools\``);
  return dir;
}

/** "apiVersion Kind" of every kind the release's OpenAPI documents describe (alpha versions included). */
export function describedKinds(kubernetesVersion: string): Set<string> {
  const specDir = path.join(moduleDir(kubernetesVersion), 'api', 'openapi-spec', 'v3');
  const kinds = new Set<string>();
  for (const file of fs.readdirSync(specDir).filter((name) => /__v[0-9a-z]+_openapi\.json$/.test(name))) {
    const document = JSON.parse(fs.readFileSync(path.join(specDir, file), 'utf8')) as { components?: { schemas?: Record<string, GvkSchema> } };
    for (const schema of Object.values(document.components?.schemas ?? {})) {
      for (const gvk of schema['x-kubernetes-group-version-kind'] ?? []) kinds.add(`${gvk.group ? `${gvk.group}/` : ''}${gvk.version} ${gvk.kind}`);
    }
  }
  return kinds;
}

interface GvkSchema {
  'x-kubernetes-group-version-kind'?: Array<{ group: string; version: string; kind: string }>;
}
