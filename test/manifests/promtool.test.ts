import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { environmentNames, environmentOutdir } from '../../lib/config/loader';
import { readManifestFolder } from '../../lib/manifests/folder';
import { Manifest } from '../../lib/manifests/manifest';
import { PROJECT_ROOT } from '../../lib/support/project-root';
import { PROMETHEUS_SERVER_IMAGE } from '../../lib/support/rules';
import { installPromtool, tempDir } from '../helpers';

/*
 * Each environment's Prometheus config, checked by promtool of the Prometheus release its server runs
 * (the image tag of the server container), as the pod sees its files: the ConfigMap's keys where the
 * server mounts them, and a service-account token and CA where Kubernetes mounts them. promtool's
 * `check config` reads every rule file the config names and checks it as `check rules` does.
 */

interface Container { name: string; image: string; volumeMounts?: Array<{ name: string; mountPath: string }> }
interface PodSpec { containers: Container[]; volumes?: Array<{ name: string; configMap?: { name: string } }> }

/** Where Kubernetes mounts a pod's service-account token and CA; the scrape jobs read both. */
const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The server's config as its pod sees it, written under `dir`; returns the config file's path and the Prometheus version. */
function serverFiles(objects: readonly Manifest[], dir: string): { config: string; version: string; ruleFiles: string[] } {
  const server = objects.find((o) => o.kind === 'Deployment' && o.metadata.name.endsWith('-server'))!;
  const pod = (server.spec as { template: { spec: PodSpec } }).template.spec;
  const container = pod.containers.find((c) => PROMETHEUS_SERVER_IMAGE.test(c.image))!;
  const version = PROMETHEUS_SERVER_IMAGE.exec(container.image)![1];
  const rewrites: Array<[string, string]> = [[`${SERVICE_ACCOUNT_DIR}/`, `${path.join(dir, 'serviceaccount')}/`]];
  fs.mkdirSync(path.join(dir, 'serviceaccount'));
  fs.writeFileSync(path.join(dir, 'serviceaccount', 'token'), 'token\n');
  fs.writeFileSync(path.join(dir, 'serviceaccount', 'ca.crt'), 'ca\n');
  for (const mount of container.volumeMounts ?? []) {
    const configMapName = pod.volumes?.find((volume) => volume.name === mount.name)?.configMap?.name;
    const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === configMapName);
    if (!configMap) continue;
    const local = path.join(dir, mount.name);
    fs.mkdirSync(local);
    for (const [key, value] of Object.entries(configMap.data as Record<string, string>)) fs.writeFileSync(path.join(local, key), value);
    rewrites.push([`${mount.mountPath}/`, `${local}/`]);
  }
  const configArg = (pod.containers.flatMap((c) => (c as { args?: string[] }).args ?? []).find((arg) => arg.startsWith('--config.file=')) ?? '').split('=')[1];
  const [mountPath, local] = rewrites.find(([from]) => configArg.startsWith(from))!;
  const config = path.join(local, configArg.slice(mountPath.length));
  let text = fs.readFileSync(config, 'utf8');
  for (const [from, to] of rewrites) text = text.split(from).join(to);
  fs.writeFileSync(config, text);
  const ruleFiles = [...text.matchAll(/^- (\S+)$/gm)].map((match) => match[1]).filter((file) => file.startsWith(dir));
  return { config, version, ruleFiles };
}

function checkConfig(promtool: string, config: string): { status: number | null; output: string } {
  const result = spawnSync(promtool, ['check', 'config', config], { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

const environments = environmentNames(path.join(PROJECT_ROOT, 'config', 'environments'));

describe('promtool of the release each server runs', () => {
  test.each(environments)('environment %s: its config and every rule file it names pass `promtool check config`', (name) => {
    const { dir, cleanup } = tempDir(`promtool-${name}`);
    try {
      const { config, version, ruleFiles } = serverFiles(readManifestFolder(environmentOutdir(path.join(PROJECT_ROOT, 'dist'), name)), dir);
      const { status, output } = checkConfig(installPromtool(version), config);
      expect(`${status}\n${output}`).toMatch(/^0\n/);
      expect(ruleFiles).toHaveLength(4);
      for (const file of ruleFiles) expect(output).toContain(`Checking ${file}\n  SUCCESS`);
    } finally {
      cleanup();
    }
  });

  const folders = { book: path.join(PROJECT_ROOT, 'dist'), today: path.join(PROJECT_ROOT, 'dist-today') };

  test('the book\'s promtool (2.19) refuses today\'s config: it has no endpointslice discovery, so each config needs its own release', () => {
    const { dir, cleanup } = tempDir('promtool-old');
    try {
      const { config, version } = serverFiles(readManifestFolder(folders.today), dir);
      expect(version).toBe('v3.14.0');
      const { status, output } = checkConfig(installPromtool('v2.19.0'), config);
      expect(status).not.toBe(0);
      expect(output).toContain('unknown Kubernetes SD role "endpointslice"');
    } finally {
      cleanup();
    }
  });

  test.each(Object.entries(folders))('a broken config fails (the %s server\'s promtool)', (_which, folder) => {
    const { dir, cleanup } = tempDir('promtool-broken');
    try {
      const { config, version } = serverFiles(readManifestFolder(folder), dir);
      fs.writeFileSync(config, fs.readFileSync(config, 'utf8').replace('scrape_interval: 1m', 'scrape_interval: often'));
      const { status, output } = checkConfig(installPromtool(version), config);
      expect(status).not.toBe(0);
      expect(output).toContain('often');
    } finally {
      cleanup();
    }
  });
});
