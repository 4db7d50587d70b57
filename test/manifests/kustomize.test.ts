import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { environmentNames, environmentOutdir } from '../../lib/config/loader';
import { readManifestFolder } from '../../lib/manifests/folder';
import { Manifest, objectKey } from '../../lib/manifests/manifest';
import { parseDocuments } from '../../lib/manifests/yaml';
import { PROJECT_ROOT } from '../../lib/support/project-root';
import { installTool, withTempDir } from '../helpers';

/*
 * Flux's kustomize-controller, given a folder without a kustomization.yaml, generates one that takes
 * every manifest below it, recursively, and builds it with Kustomize. `kustomize create --autodetect
 * --recursive` and `kustomize build` (v5.8.1, the Kustomize the controller links) do the same here, on a
 * copy of each dist folder: what Flux would apply must be exactly what the folder holds.
 */

/** kustomize build of a copy of `folder`, after `kustomize create --autodetect --recursive`. */
function buildAsFlux(folder: string, dir: string): { status: number | null; objects: Manifest[]; stderr: string } {
  const kustomize = installTool('kustomize');
  fs.cpSync(folder, dir, { recursive: true });
  const created = spawnSync(kustomize, ['create', '--autodetect', '--recursive'], { cwd: dir, encoding: 'utf8' });
  if (created.status !== 0) throw new Error(`kustomize create failed: ${created.stderr}`);
  const built = spawnSync(kustomize, ['build', dir], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const objects = built.status === 0 ? parseDocuments(built.stdout).map((document) => document.value as Manifest) : [];
  return { status: built.status, objects, stderr: built.stderr };
}

function byKey(objects: readonly Manifest[]): Record<string, Manifest> {
  return Object.fromEntries(objects.map((object) => [objectKey(object), object]));
}

describe('kustomize build of each dist folder, as Flux builds it', () => {
  const environments = environmentNames(path.join(PROJECT_ROOT, 'config', 'environments'));

  test.each(environments)('environment %s: exactly the folder\'s objects, unchanged', (environment) => {
    const folder = environmentOutdir(path.join(PROJECT_ROOT, 'dist'), environment);
    withTempDir('kustomize', (dir) => {
      const built = buildAsFlux(folder, path.join(dir, 'copy'));
      expect(built.stderr).toBe('');
      const expected = readManifestFolder(folder);
      expect(built.objects).toHaveLength(expected.length);
      expect(byKey(built.objects)).toEqual(byKey(expected));
    });
  });

  /** dist/ with another folder copied inside it, built as Flux builds it. */
  function buildWithInside(inside: string): ReturnType<typeof buildAsFlux> {
    return withTempDir('kustomize', (dir) => {
      const nested = path.join(dir, 'nested');
      fs.cpSync(path.join(PROJECT_ROOT, 'dist'), nested, { recursive: true });
      fs.cpSync(path.join(PROJECT_ROOT, inside), path.join(nested, 'inside'), { recursive: true });
      return buildAsFlux(nested, path.join(dir, 'copy'));
    });
  }

  test('a folder that holds another environment is built as both, as Flux would apply both: why no environment\'s folder is inside another', () => {
    const built = buildWithInside('dist-staging');
    expect(built.status).toBe(0);
    const both = [...readManifestFolder(path.join(PROJECT_ROOT, 'dist')), ...readManifestFolder(path.join(PROJECT_ROOT, 'dist-staging'))];
    expect(Object.keys(byKey(built.objects)).sort()).toEqual(Object.keys(byKey(both)).sort());
  });

  test('two installs would clash where a folder repeats a cluster-scoped name: kustomize refuses, as Flux would', () => {
    const built = buildWithInside('dist');
    expect(built.status).not.toBe(0);
    expect(built.stderr).toMatch(/may not add resource with an already registered id/);
  });
});
