import { spawnSync } from 'child_process';
import { Duration } from 'cdk8s';
import * as fs from 'fs';
import * as path from 'path';
import { mountedDataDir, NfsDirectoryJob, NfsDirectoryJobProps, PREPARE_DIRECTORY_SCRIPT } from '../../lib/constructs/nfs-directory-job';
import { findOne, newChart, synthObjects, withTempDir } from '../helpers';

const IMAGE = 'busybox:1.36.1@sha256:73aaf090f3d85aa34ee199857f03fa3a95c8ede2ffd4cc2cdb5b94e566b11662';
/** The book's directory, with every required prop. */
const BOOK_DIRECTORY: NfsDirectoryJobProps = {
  server: '192.168.1.10', exportRoot: '/nfs_shared', dataPath: '/nfs_shared/prometheus/server', uid: 1000, gid: 1000, image: IMAGE,
  name: 'prometheus-server-nfs-prep', namespace: 'default', backoffLimit: 3, ttlAfterFinished: Duration.days(1), activeDeadline: Duration.minutes(5),
};

/** Runs the Job's script with real sh, as the container would, and returns its result. */
function runScript(env: Record<string, string>) {
  return spawnSync('sh', ['-c', PREPARE_DIRECTORY_SCRIPT], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });
}

function ownerOf(dir: string): string {
  const stat = fs.statSync(dir);
  return `${stat.uid}:${stat.gid}`;
}

describe('NfsDirectoryJob', () => {
  const { chart } = newChart();
  const named = { ...BOOK_DIRECTORY, labels: { team: 'a' } };
  new NfsDirectoryJob(chart, 'Prep', { ...named, annotations: { 'example.com/wave': '1' } });
  const objects = synthObjects(chart);
  const job = findOne(objects, 'Job') as any;
  const pod = job.spec.template.spec;
  const container = pod.containers[0];

  test('matches the snapshot', () => {
    expect(job).toMatchSnapshot();
  });

  test('mounts the export root and prepares the data directory inside it', () => {
    expect(pod.volumes).toEqual([{ name: 'nfs-export', nfs: { server: '192.168.1.10', path: '/nfs_shared' } }]);
    expect(container.volumeMounts).toEqual([{ name: 'nfs-export', mountPath: '/export' }]);
    expect(container.env).toEqual([
      { name: 'DATA_DIR', value: '/export/prometheus/server' },
      { name: 'OWNER_UID', value: '1000' },
      { name: 'OWNER_GID', value: '1000' },
    ]);
  });

  test('runs with only CHOWN, no escalation, a read-only root filesystem', () => {
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'], add: ['CHOWN'] },
    });
    expect(pod.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(container.image).toMatch(/@sha256:[a-f0-9]{64}$/);
  });

  test('asks for little: it must schedule on the book\'s 1.5 GiB nodes', () => {
    expect(container.resources).toEqual({
      requests: { 'cpu': '10m', 'memory': '16Mi', 'ephemeral-storage': '8Mi' },
      limits: { 'cpu': '100m', 'memory': '32Mi', 'ephemeral-storage': '32Mi' },
    });
  });

  test('is named for its spec: the base name and a hash, so a changed Job is a new Job', () => {
    const nameFor = (props: Partial<NfsDirectoryJobProps>) => {
      const { chart: other } = newChart();
      return new NfsDirectoryJob(other, 'Prep', { ...named, ...props }).jobName;
    };
    expect(job.metadata.name).toMatch(/^prometheus-server-nfs-prep-[0-9a-f]{8}$/);
    expect(nameFor({})).toBe(job.metadata.name);
    expect(nameFor({ namespace: 'monitoring' })).toBe(job.metadata.name);
    const changes: Array<Partial<NfsDirectoryJobProps>> = [
      { uid: 1001 }, { gid: 1001 }, { server: '192.168.1.11' }, { exportRoot: '/nfs_shared/prometheus' },
      { dataPath: '/nfs_shared/prometheus/other' }, { image: IMAGE.replace(/[0-9a-f]{4}$/, '0000') }, { backoffLimit: 4 },
    ];
    const names = changes.map(nameFor);
    expect(names.every((name) => name !== job.metadata.name)).toBe(true);
    expect(new Set(names).size).toBe(changes.length);
  });

  test('retries, has a deadline and a TTL, as told', () => {
    expect(job.spec).toMatchObject({ backoffLimit: 3, activeDeadlineSeconds: 300, ttlSecondsAfterFinished: 86400 });
    const { chart: other } = newChart();
    const { job: custom } = new NfsDirectoryJob(other, 'Prep', {
      ...BOOK_DIRECTORY, backoffLimit: 1, activeDeadline: Duration.seconds(90), ttlAfterFinished: Duration.hours(1),
    });
    expect(custom.toJson().spec).toMatchObject({ backoffLimit: 1, activeDeadlineSeconds: 90, ttlSecondsAfterFinished: 3600 });
  });

  test('the Job, its pods and its NetworkPolicy carry the given labels; the annotations go on the Job and the policy', () => {
    const policy = findOne(objects, 'NetworkPolicy') as any;
    expect(job.metadata).toMatchObject({ labels: { team: 'a' }, annotations: { 'example.com/wave': '1' } });
    expect(policy.metadata).toMatchObject({ name: 'prometheus-server-nfs-prep', labels: { team: 'a' }, annotations: { 'example.com/wave': '1' } });
    expect(job.spec.template.metadata.labels).toEqual({ 'team': 'a', 'app.kubernetes.io/component': 'nfs-directory-prep' });
    expect(policy.spec.podSelector.matchLabels).toEqual(job.spec.template.metadata.labels);
  });

  test('the script is a constant: config values reach it only as environment variables', () => {
    expect(container.command).toEqual(['/bin/sh', '-c', PREPARE_DIRECTORY_SCRIPT]);
    expect(PREPARE_DIRECTORY_SCRIPT).not.toContain('1000');
    expect(PREPARE_DIRECTORY_SCRIPT).not.toContain('nfs_shared');
  });

  test('is idempotent: the second run succeeds and changes nothing', () => {
    withTempDir('prep', (dir) => {
      const dataDir = path.join(dir, 'prometheus', 'server');
      const owner = { OWNER_UID: String(process.getuid!()), OWNER_GID: String(process.getgid!()) };
      const first = runScript({ DATA_DIR: dataDir, ...owner });
      expect(first.status).toBe(0);
      expect(fs.statSync(dataDir).isDirectory()).toBe(true);
      expect(ownerOf(dataDir)).toBe(`${owner.OWNER_UID}:${owner.OWNER_GID}`);
      const before = fs.statSync(dataDir);

      const second = runScript({ DATA_DIR: dataDir, ...owner });
      expect(second.status).toBe(0);
      expect(second.stdout).toContain('nothing to change');
      const after = fs.statSync(dataDir);
      expect(after.ctimeMs).toBe(before.ctimeMs);
      expect(after.mtimeMs).toBe(before.mtimeMs);
    });
  });

  // Giving a directory to another uid needs root, as in the cluster; CI runs as root.
  const asRoot = process.getuid!() === 0 ? test : test.skip;
  asRoot('changes the owner when it differs', () => {
    withTempDir('prep', (dir) => {
      const dataDir = path.join(dir, 'server');
      const result = runScript({ DATA_DIR: dataDir, OWNER_UID: '1000', OWNER_GID: '1000' });
      expect(result.status).toBe(0);
      expect(result.stdout).toContain('owner changed from 0:0 to 1000:1000');
      expect(ownerOf(dataDir)).toBe('1000:1000');
    });
  });

  // Root on an export that squashes root is nobody without CHOWN there: the same refusals, run for real.
  const asSquashedRoot = (env: Record<string, string>) => spawnSync('setpriv', [
    '--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', '--no-new-privs', 'sh', '-c', PREPARE_DIRECTORY_SCRIPT,
  ], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });
  const exportRootOwnedByRoot = (dir: string) => {
    const root = path.join(dir, 'export');
    fs.mkdirSync(root, { mode: 0o755 });
    fs.chmodSync(dir, 0o755);
    return root;
  };

  asRoot('on an export that squashes root, a failed chown says which directory, which owner, and no_root_squash, in one line', () => {
    withTempDir('prep', (dir) => {
      const dataDir = path.join(exportRootOwnedByRoot(dir), 'server');
      fs.mkdirSync(dataDir, { mode: 0o755 });
      const result = asSquashedRoot({ DATA_DIR: dataDir, OWNER_UID: '1000', OWNER_GID: '1000' });
      expect({ status: result.status, stdout: result.stdout }).toEqual({ status: 1, stdout: '' });
      expect(result.stderr).toBe(`cannot give ${dataDir} to 1000:1000 (Operation not permitted): the Job runs as root, and the NFS export must let root do that: `
        + 'export it with no_root_squash (its line in /etc/exports on the NFS server, then exportfs -r)\n');
      expect(ownerOf(dataDir)).toBe('0:0');
    });
  });

  asRoot('on an export that squashes root, a directory it cannot create is said the same way', () => {
    withTempDir('prep', (dir) => {
      const dataDir = path.join(exportRootOwnedByRoot(dir), 'prometheus', 'server');
      const result = asSquashedRoot({ DATA_DIR: dataDir, OWNER_UID: '1000', OWNER_GID: '1000' });
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`^cannot create ${dataDir} \\(Permission denied\\): .*export it with no_root_squash .*\\n$`));
      expect(fs.existsSync(dataDir)).toBe(false);
    });
  });

  test('treats hostile values as data, never as shell syntax', () => {
    withTempDir('prep', (dir) => {
      const marker = path.join(dir, 'pwned');
      const dataDir = path.join(dir, `x$(touch ${marker}); touch ${marker}`);
      const result = runScript({ DATA_DIR: dataDir, OWNER_UID: String(process.getuid!()), OWNER_GID: String(process.getgid!()) });
      expect(result.status).toBe(0);
      expect(fs.existsSync(dataDir)).toBe(true);
      expect(fs.existsSync(marker)).toBe(false);
    });
  });

  test('refuses a symbolic link instead of chowning its target', () => {
    withTempDir('prep', (dir) => {
      const target = path.join(dir, 'elsewhere');
      fs.mkdirSync(target);
      const link = path.join(dir, 'server');
      fs.symlinkSync(target, link);
      const result = runScript({ DATA_DIR: link, OWNER_UID: '1000', OWNER_GID: '1000' });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('is a symbolic link');
    });
  });

  test('maps the data path into the mount', () => {
    expect(mountedDataDir('/nfs_shared', '/nfs_shared/prometheus/server')).toBe('/export/prometheus/server');
    expect(mountedDataDir('/', '/prometheus')).toBe('/export/prometheus');
  });

  test('refuses a data path outside the export root with what to change', () => {
    const { chart: other } = newChart();
    expect(() => new NfsDirectoryJob(other, 'Prep', { ...BOOK_DIRECTORY, exportRoot: '/srv', dataPath: '/nfs_shared/x' }))
      .toThrow('dataPath "/nfs_shared/x" is not below exportRoot "/srv"; set exportRoot to a directory that contains it');
  });
});
