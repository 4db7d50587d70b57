import { ChildProcess, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as tar from 'tar';
import { parseDocument } from 'yaml';
import { environmentNames, environmentOutdir, loadEnvironments } from '../../lib/config/loader';
import { chartContentDigest } from '../../lib/helm/chart-content';
import { findHelm } from '../../lib/helm/helm-binary';
import { readManifestFolder } from '../../lib/manifests/folder';
import { PROJECT_ROOT } from '../../lib/support/project-root';
import { installTool, readTree, serveDirectory, tempDir, TODAY_MIRROR } from '../helpers';
import { schemaFlags } from '../manifests/schemas';

/*
 * `npm run chart` on a copy of the app (its ../shared the real one, as beside the project), against a chart
 * repository served on 127.0.0.1 with two versions of a small chart this test makes, packaged by the real
 * `helm package` and indexed by `helm repo index`; and a second repository that serves what no repository
 * should: another chart under the small chart's name, a locked version's files changed, a version with a Helm
 * hook (which synth refuses), and today's Prometheus chart with a value the book sets moved to another key.
 * The tests run in order on one copy, each from where the one before left it, as a user's lock changes.
 */

const helm = findHelm();
const { dir: root, cleanup } = tempDir('chart-command');
const app = path.join(root, 'app');
const servers: ChildProcess[] = [];
let repository: string;
let impostor: string;

/** The app's files a synth and the chart command read, copied; node_modules linked; ../shared linked to the real one. */
function copyApp(): void {
  const environments = environmentNames(path.join(PROJECT_ROOT, 'config', 'environments'));
  const folders = environments.map((name) => path.relative(PROJECT_ROOT, environmentOutdir(path.join(PROJECT_ROOT, 'dist'), name)));
  for (const entry of ['main.ts', 'lib', 'imports', 'config', 'scripts', 'charts.lock.yaml', 'package.json', 'tsconfig.json', ...folders]) {
    fs.cpSync(path.join(PROJECT_ROOT, entry), path.join(app, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(app, 'node_modules'));
  fs.symlinkSync(path.join(PROJECT_ROOT, '..', 'shared'), path.join(root, 'shared'));
  build();
}

function build(): void {
  const result = spawnSync('sh', ['scripts/build.sh', 'main', 'chart'], { cwd: app, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`build failed: ${result.stderr}`);
}

/** A chart of the test's own: a Deployment of `image` and, in each version, the objects given. */
function writeChart(dir: string, name: string, version: string, image: string, objects: Record<string, string>): string {
  const chartDir = path.join(dir, name);
  fs.mkdirSync(path.join(chartDir, 'templates'), { recursive: true });
  fs.writeFileSync(path.join(chartDir, 'Chart.yaml'), `apiVersion: v2\nname: ${name}\nversion: ${version}\nappVersion: "${version}"\n`);
  fs.writeFileSync(path.join(chartDir, 'values.yaml'), 'replicas: 1\n');
  const deployment = [
    'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: {{ .Release.Name }}', 'spec:', '  replicas: {{ .Values.replicas }}',
    '  selector:', '    matchLabels:', '      app: {{ .Release.Name }}', '  template:', '    metadata:', '      labels:', '        app: {{ .Release.Name }}',
    '    spec:', '      containers:', '        - name: main', `          image: ${image}`, '',
  ].join('\n');
  fs.writeFileSync(path.join(chartDir, 'templates', 'deployment.yaml'), deployment);
  for (const [file, content] of Object.entries(objects)) fs.writeFileSync(path.join(chartDir, 'templates', file), content);
  return chartDir;
}

const CONFIG_MAP = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-settings\ndata:\n  greeting: hello\n';
const SERVICE = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  selector:\n    app: {{ .Release.Name }}\n'
  + '  ports:\n    - port: 80\n';

const HOOK = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-hook\n  annotations:\n    helm.sh/hook: post-install\n';

function helmRun(args: string[]): void {
  const result = spawnSync(helm.path, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`helm ${args.join(' ')}: ${result.stderr}`);
}

/** Packages a chart folder into the repository folder with the real `helm package`. */
function packageInto(chartDir: string, repositoryDir: string): void {
  helmRun(['package', chartDir, '--destination', repositoryDir]);
}

/** Today's chart as a 29.28.0 that moved `server.extraFlags` to `server.startup.extraFlags`: the book's no-lockfile flag is then ignored. */
function movedKeyPrometheus(work: string, repositoryDir: string): void {
  tar.x({ file: path.join(TODAY_MIRROR, 'prometheus-29.27.0.tgz'), cwd: work, sync: true });
  const chartDir = path.join(work, 'prometheus');
  const edit = (file: string, from: string, to: string) => {
    const full = path.join(chartDir, file);
    const text = fs.readFileSync(full, 'utf8');
    if (!text.includes(from)) throw new Error(`${file} has no ${from}`);
    fs.writeFileSync(full, text.replace(from, to));
  };
  edit('Chart.yaml', 'version: 29.27.0', 'version: 29.28.0');
  edit('values.yaml', '  extraFlags:\n    - web.enable-lifecycle\n', '  startup:\n    extraFlags:\n      - web.enable-lifecycle\n');
  edit('templates/deploy.yaml', '.Values.server.extraFlags', '.Values.server.startup.extraFlags');
  packageInto(chartDir, repositoryDir);
  fs.copyFileSync(path.join(TODAY_MIRROR, 'prometheus-29.27.0.tgz'), path.join(repositoryDir, 'prometheus-29.27.0.tgz'));
}

/** Serves a repository folder on 127.0.0.1 until the tests end; resolves with its URL. */
async function serve(dir: string): Promise<string> {
  const { url, server } = await serveDirectory(dir);
  servers.push(server);
  return url;
}

/** The repositories: the small chart's two versions; and the impostor's five archives (see the file's comment). */
async function makeRepositories(): Promise<void> {
  const work = path.join(root, 'work');
  const good = path.join(root, 'repository');
  const bad = path.join(root, 'impostor');
  for (const dir of [work, good, bad]) fs.mkdirSync(dir);
  packageInto(writeChart(path.join(work, 'v1'), 'tiny', '1.0.0', 'registry.example/tiny:1.0.0', { 'configmap.yaml': CONFIG_MAP }), good);
  packageInto(writeChart(path.join(work, 'v2'), 'tiny', '1.1.0', 'registry.example/tiny:1.1.0', { 'service.yaml': SERVICE }), good);
  helmRun(['repo', 'index', good]);
  // The locked version with one template changed; another chart packaged as 1.2.0 and listed as tiny.
  packageInto(writeChart(path.join(work, 'changed'), 'tiny', '1.0.0', 'registry.example/tiny:1.0.0-changed', { 'configmap.yaml': CONFIG_MAP }), bad);
  packageInto(writeChart(path.join(work, 'other'), 'other', '1.2.0', 'registry.example/other:1.2.0', {}), bad);
  packageInto(writeChart(path.join(work, 'hook'), 'tiny', '1.3.0', 'registry.example/tiny:1.3.0', { 'hook.yaml': HOOK }), bad);
  movedKeyPrometheus(work, bad);
  helmRun(['repo', 'index', bad]);
  const index = parseDocument(fs.readFileSync(path.join(bad, 'index.yaml'), 'utf8'));
  index.addIn(['entries', 'tiny'], index.getIn(['entries', 'other', 0]));
  index.deleteIn(['entries', 'other']);
  fs.writeFileSync(path.join(bad, 'index.yaml'), index.toString());
  [repository, impostor] = await Promise.all([serve(good), serve(bad)]);
}

/** The lock and every dist folder of the copy, byte for byte. */
function projectState(): Record<string, string> {
  const state: Record<string, string> = { 'charts.lock.yaml': fs.readFileSync(path.join(app, 'charts.lock.yaml'), 'utf8') };
  for (const entry of fs.readdirSync(app).filter((name) => /^dist(-|$)/.test(name))) {
    for (const [file, content] of Object.entries(readTree(path.join(app, entry)))) state[`${entry}/${file}`] = content;
  }
  return state;
}

/** The environment of a command in the copy: none of the variables that point a synth elsewhere; this test's helm; the project's render cache. */
function appEnvironment(extraEnv: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const { CHART_MIRROR: _mirror, SYNTH_ENVIRONMENTS: _selection, CDK8S_OUTDIR: _outdir, CHART_LOCK_FILE: _lock, ...env } = process.env;
  return { ...env, HELM_BIN: helm.path, RENDER_CACHE_DIR: path.join(PROJECT_ROOT, '.cache', 'renders'), ...extraEnv };
}

/** `npm run chart -- <args>` in the copy, with `extraEnv` added to {@link appEnvironment}. */
function chart(args: string[], extraEnv: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [path.join(app, 'build', 'chart.js'), ...args], { cwd: app, encoding: 'utf8', env: appEnvironment(extraEnv) });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `npx cdk8s synth` in the copy. */
function synth(): string {
  return spawnSync(process.execPath, ['build/main.js'], { cwd: app, encoding: 'utf8', env: appEnvironment() }).stderr;
}

/** Runs a refused command and checks that it said one line and wrote nothing. */
function expectRefusal(args: string[], expected: RegExp, extraEnv: NodeJS.ProcessEnv = {}): void {
  const before = projectState();
  const result = chart(args, extraEnv);
  expect(result.stderr).toMatch(expected);
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(/^chart: error: .*\(charts\.lock\.yaml and the folders are unchanged\)\n$/);
  expect(result.status).toBe(1);
  expect(projectState()).toEqual(before);
  expect(fs.readdirSync(app).filter((name) => name.startsWith('.') && name !== '.cache')).toEqual([]);
}

/** main.ts with a chart of its own: a cdk8s Chart holding one HelmRelease of `chart`, after Prometheus's. */
function addReleaseToMain(id: string, chartName: string): void {
  const file = path.join(app, 'main.ts');
  let text = fs.readFileSync(file, 'utf8').replace("import { App, YamlOutputType } from 'cdk8s';", "import { App, Chart, YamlOutputType } from 'cdk8s';");
  if (!text.includes("from './lib/constructs/helm-release'")) {
    text = text.replace("import { synthesize }", "import { HelmRelease } from './lib/constructs/helm-release';\nimport { synthesize }");
  }
  const release = [
    `  const ${id} = new Chart(app, '${id}');`,
    `  new HelmRelease(${id}, 'Release', {`,
    `    chart: '${chartName}',`,
    '    kubernetesVersion: environment.config.kubernetesVersion,',
    '    namespace: environment.config.namespace,',
    '  });',
    `  ${id}.addDependency(prometheus);`,
    '  app.synth();',
  ].join('\n');
  fs.writeFileSync(file, text.replace('  app.synth();', release));
  build();
}

beforeAll(async () => {
  copyApp();
  await makeRepositories();
}, 120_000);

afterAll(() => {
  for (const server of servers) server.kill('SIGTERM');
  cleanup();
});

describe('npm run chart', () => {
  test('a bump of the committed Prometheus chart to its locked version (or to the newest its sources list) changes nothing and says so', () => {
    const before = projectState();
    for (const args of [['bump', 'prometheus-community/prometheus', '29.27.0'], ['bump', 'prometheus-community/prometheus']]) {
      const result = chart(args);
      expect(result.stderr).toBe('');
      expect(result.stdout).toBe('prometheus-community/prometheus 29.27.0 is already locked with this digest '
        + '(sha256:d7e96d70129baaf219ddc1184cd6af48a70f032a0fff3102843b30559cc4fc19): nothing changed\n');
      expect(result.status).toBe(0);
    }
    expect(projectState()).toEqual(before);
  });

  test('add pins a chart from its repository with the digest synth verifies, every comment of the lock kept; no folder changes yet', () => {
    const before = projectState();
    const result = chart(['add', 'test-repo/tiny@1.0.0', '--repository', repository]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const digest = chartContentDigest(path.join(root, 'repository', 'tiny-1.0.0.tgz'));
    const lock = fs.readFileSync(path.join(app, 'charts.lock.yaml'), 'utf8');
    const entry = `  test-repo/tiny:\n    repository: ${repository}\n    version: 1.0.0\n    digest: ${digest}\n`;
    const [charts, mirrors] = before['charts.lock.yaml'].split('\n\n# Copies');
    expect(lock).toBe(`${charts}\n${entry}\n# Copies${mirrors}`);
    expect(result.stdout).toContain(`test-repo/tiny: add 1.0.0 from ${repository}, digest ${digest}\n`);
    expect(result.stdout).toMatch(/^dist\/ \(lab\): unchanged$/m);
    expect(result.stdout).toMatch(/^dist-today\/ \(today\): unchanged$/m);
    expect(result.stdout).toMatch(/^wrote charts\.lock\.yaml; no folder changes \(nothing renders test-repo\/tiny yet: docs\/charts\.md, "A chart of your own"\)$/m);
    const { 'charts.lock.yaml': _old, ...folders } = before;
    const { 'charts.lock.yaml': _new, ...after } = projectState();
    expect(after).toEqual(folders);
  });

  test('a bump to the newest version prints each folder\'s objects added, removed and changed and the image tags, then writes the lock and the folders', () => {
    addReleaseToMain('tiny', 'test-repo/tiny');
    expect(synth()).toBe('');
    expect(readManifestFolder(path.join(app, 'dist')).filter((object) => object.metadata.name.startsWith('tiny')).map((object) => object.kind))
      .toEqual(['ConfigMap', 'Deployment']);

    const result = chart(['bump', 'test-repo/tiny']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const digest = chartContentDigest(path.join(root, 'repository', 'tiny-1.1.0.tgz'));
    expect(result.stdout).toContain(`test-repo/tiny: 1.0.0 -> 1.1.0 from ${repository}, digest ${digest}\n`);
    expect(result.stdout).toContain([
      'dist-staging/ (staging):',
      '  + Service monitoring/tiny',
      '  - ConfigMap monitoring/tiny-settings',
      '  ~ Deployment monitoring/tiny',
      '  image registry.example/tiny: 1.0.0 -> 1.1.0',
    ].join('\n'));
    expect(result.stdout).toContain('dist/ (lab):\n  + Service default/tiny\n');
    expect(result.stdout).not.toContain('values');
    expect(result.stdout).toMatch(/^wrote charts\.lock\.yaml and the folders \(as `npx cdk8s synth` does\)$/m);
    const lock = parseDocument(fs.readFileSync(path.join(app, 'charts.lock.yaml'), 'utf8')).toJS();
    expect(lock.charts['test-repo/tiny']).toEqual({ repository, version: '1.1.0', digest });
    const tiny = readManifestFolder(path.join(app, 'dist-staging')).filter((object) => object.metadata.name.startsWith('tiny'));
    expect(tiny.map((object) => `${object.kind} ${object.metadata.namespace}/${object.metadata.name}`)).toEqual(['Service monitoring/tiny', 'Deployment monitoring/tiny']);
  });

  describe('refuses in one line, the lock and the folders byte for byte as they were', () => {
    test('a version no source has', () => {
      expectRefusal(['bump', 'test-repo/tiny', '9.9.9'], /chart test-repo\/tiny 9\.9\.9: no source has it: .*helm pull from http:\/\/127\.0\.0\.1:\d+ failed: .*9\.9\.9/);
    });

    test('a digest that differs for a version already locked', () => {
      const locked = parseDocument(fs.readFileSync(path.join(app, 'charts.lock.yaml'), 'utf8')).toJS().charts['test-repo/tiny'];
      expect(locked.version).toBe('1.1.0');
      // The impostor changed 1.0.0's files: lock 1.0.0 first, from the repository that serves it as released.
      const back = chart(['bump', 'test-repo/tiny', '1.0.0']);
      expect(back.status).toBe(0);
      expectRefusal(['bump', 'test-repo/tiny', '1.0.0'],
        /tiny-1\.0\.0\.tgz from http:\/\/127\.0\.0\.1:\d+ has content digest sha256:[a-f0-9]{64}, but charts\.lock\.yaml pins sha256:[a-f0-9]{64} for that version: a released version's files must not change/,
        { CHART_MIRROR: impostor });
    });

    test('a repository that serves another chart under the name asked for', () => {
      expectRefusal(['bump', 'test-repo/tiny', '1.2.0'], /tiny-1\.2\.0\.tgz from http:\/\/127\.0\.0\.1:\d+ holds chart other 1\.2\.0, not tiny 1\.2\.0: the repository serves another chart than asked/,
        { CHART_MIRROR: impostor });
    });

    test('a version synth refuses to render (a Helm hook), in synth\'s words', () => {
      expectRefusal(['bump', 'test-repo/tiny', '1.3.0'],
        /^chart: error: synth with it fails: ConfigMap tiny-hook \(tiny\/templates\/hook\.yaml\) is a Helm post-install hook; kubectl apply cannot run hooks/,
        { CHART_MIRROR: impostor });
    });

    test('a chart already locked, to add', () => {
      expectRefusal(['add', 'test-repo/tiny@1.1.0', '--repository', repository], /charts\.lock\.yaml already pins test-repo\/tiny \(version 1\.0\.0\): bump it with `npm run chart -- bump test-repo\/tiny \[<version>\]`/);
    });

    test('a Prometheus chart version that no longer honours a book value: the key that moved, where it went, and the row to change', () => {
      const before = projectState();
      const result = chart(['bump', 'prometheus-community/prometheus', '29.28.0'], { CHART_MIRROR: impostor });
      expect(result.stderr).toBe('chart: error: prometheus-community/prometheus 29.28.0 no longer honours a book value in environment today: '
        + 'key server.extraFlags is no longer among the chart\'s values, where the locked version has it; the chart now has server.startup.extraFlags; '
        + 'change the row "--set server.extraFlags[0]=storage.tsdb.no-lockfile (keeping the chart\'s web.enable-lifecycle, which the config reload needs)" '
        + 'of lib/prometheus/translations.ts (charts.lock.yaml and the folders are unchanged)\n');
      expect(result.status).toBe(1);
      expect(result.stdout).toMatch(/^ {2}today: NOT IN EFFECT: server\.extraFlags \(--set server\.extraFlags\[0\]/m);
      expect(result.stdout).toMatch(/^ {2}today: in effect: server\.persistentVolume\.existingClaim \(--set server\.persistentVolume\.existingClaim\)$/m);
      expect(result.stdout).toMatch(/^ {2}today: in effect: prometheus-pushgateway\.enabled /m);
      expect(projectState()).toEqual(before);
    });

    test('arguments that are not a change', () => {
      expectRefusal(['bump', 'tiny'], /chart "tiny" is invalid: expected <repository name>\/<chart name>/);
      expectRefusal(['add', 'test-repo/small', '--repository', repository], /version "" of test-repo\/small is invalid: expected an exact version/);
      expectRefusal(['add', 'test-repo/small@1.0.0', '--repository', 'file:///etc'], /--repository "file:\/\/\/etc" is invalid: expected the chart repository's http\(s\) URL/);
      expectRefusal(['bump', 'test-repo/tiny', '^1.0'], /version "\^1\.0" of test-repo\/tiny is invalid/);
      expectRefusal(['remove', 'test-repo/tiny'], /action "remove" is unknown/);
      expectRefusal(['bump', 'test-repo/small'], /charts\.lock\.yaml pins no chart test-repo\/small: add it with `npm run chart -- add test-repo\/small@<version> --repository <url>`/);
    });
  });
});

describe('a chart of your own (docs/charts.md)', () => {
  test('the mirror\'s pushgateway: locked by the command, a HelmRelease in main.ts, synthesized into every folder, valid for each target', () => {
    const added = chart(['add', 'prometheus-community/prometheus-pushgateway@3.8.0', '--repository', 'https://prometheus-community.github.io/helm-charts']);
    expect(added.stderr).toBe('');
    expect(added.status).toBe(0);
    const digest = chartContentDigest(path.join(TODAY_MIRROR, 'prometheus-pushgateway-3.8.0.tgz'));
    expect(added.stdout).toContain(`prometheus-community/prometheus-pushgateway: add 3.8.0 from ${path.join(root, 'shared', 'helm-repo-prometheus-community')}, digest ${digest}\n`);

    addReleaseToMain('pushgateway', 'prometheus-community/prometheus-pushgateway');
    expect(synth()).toBe('');
    for (const { name, config } of loadEnvironments({ configDir: path.join(app, 'config', 'environments'), env: {} })) {
      const folder = environmentOutdir(path.join(app, 'dist'), name);
      const objects = readManifestFolder(folder).filter((object) => object.metadata.name === 'prometheus-pushgateway');
      expect(objects.map((object) => `${object.kind} ${object.metadata.namespace}`)).toEqual(['ServiceAccount', 'Service', 'Deployment'].map((kind) => `${kind} ${config.namespace}`));
      const validation = spawnSync(installTool('kubectl-validate'), [folder, ...schemaFlags(config.kubernetesVersion), '--output', 'json'], { encoding: 'utf8' });
      const report = JSON.parse(validation.stdout) as Record<string, Array<{ status: string; message?: string }>>;
      expect(Object.entries(report).flatMap(([file, results]) => results.filter((r) => r.status !== 'Success').map((r) => `${file}: ${r.message}`))).toEqual([]);
      expect(Object.keys(report).map((file) => path.basename(file))).toContain('0004-pushgateway.k8s.yaml');
      expect(validation.status).toBe(0);
    }
  });
});
