import * as fs from 'fs';
import * as path from 'path';
import { BOOK_DEFAULTS } from '../../lib/config/schema';
import { Environment, environmentNames, listOverrides, loadEnvironments } from '../../lib/config/loader';
import { UserError } from '../../lib/support/errors';
import { getAt } from '../../lib/support/object-path';
import { PROJECT_ROOT } from '../../lib/support/project-root';
import { withTempDir } from '../helpers';

const CONFIG_DIR = path.join(PROJECT_ROOT, 'config', 'environments');

/** Writes a config file for environment `name` and returns its path. */
function writeConfig(dir: string, name: string, content: string): string {
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(file, content);
  return file;
}

/** The environment of one file, loaded as synth loads it: from its folder, selected by its name. */
function loadEnvironment(file: string, env: NodeJS.ProcessEnv): Environment {
  const [environment] = loadEnvironments({ configDir: path.dirname(file), env: { ...env, SYNTH_ENVIRONMENTS: path.basename(file, '.yaml') } });
  return environment;
}

/** The UserError message that loading `content` (plus env overrides) produces. */
function errorFor(content: string, env: NodeJS.ProcessEnv = {}): string {
  return withTempDir('config', (dir) => {
    try {
      loadEnvironment(writeConfig(dir, 'lab', content), env);
    } catch (error) {
      expect(error).toBeInstanceOf(UserError);
      return (error as UserError).message;
    }
    throw new Error('expected the config to be refused');
  });
}

describe('config', () => {
  test('every committed environment file is valid', () => {
    const names = loadEnvironments({ configDir: CONFIG_DIR, env: {} }).map((environment) => environment.name);
    expect(names).toEqual(environmentNames(CONFIG_DIR));
    expect(names).toContain('lab');
  });

  test('an empty file means the book\'s defaults', () => {
    withTempDir('config', (dir) => {
      expect(loadEnvironment(writeConfig(dir, 'empty', ''), {}).config).toEqual(BOOK_DEFAULTS);
    });
  });

  test('file values override defaults and BOOK_* variables override the file', () => {
    withTempDir('config', (dir) => {
      const file = writeConfig(dir, 'prod', 'namespace: monitoring\nnfs:\n  server: nfs.example.com\n');
      const loaded = loadEnvironment(file, { BOOK_NFS_SERVER: '10.0.0.5', BOOK_OWNER_UID: '2000' });
      expect(loaded.config.namespace).toBe('monitoring');
      expect(loaded.config.nfs.server).toBe('10.0.0.5');
      expect(loaded.config.nfs.exportRoot).toBe('/nfs_shared');
      expect(loaded.config.owner.uid).toBe(2000);
    });
  });

  test('each BOOK_* variable sets the one field it names, as that field\'s type', () => {
    // A valid value other than the default for every field, as a variable would write it.
    const written: Record<string, [string, unknown]> = {
      'namespace': ['monitoring', 'monitoring'],
      'kubernetesVersion': ['1.30', '1.30'],
      'nfs.server': ['nfs.example.com', 'nfs.example.com'],
      'nfs.exportRoot': ['/nfs_shared/prometheus', '/nfs_shared/prometheus'],
      'nfs.dataPath': ['/nfs_shared/other', '/nfs_shared/other'],
      'storage.volumeName': ['pv-a', 'pv-a'],
      'storage.claimName': ['pvc-a', 'pvc-a'],
      'storage.size': ['20Gi', '20Gi'],
      'storage.accessMode': ['ReadWriteOnce', 'ReadWriteOnce'],
      'storage.reclaimPolicy': ['Delete', 'Delete'],
      'owner.uid': ['2000', 2000],
      'owner.gid': ['3000', 3000],
      'prepJob.name': ['prep', 'prep'],
      'prepJob.image': [`busybox@sha256:${'a'.repeat(64)}`, `busybox@sha256:${'a'.repeat(64)}`],
      'prepJob.backoffLimit': ['5', 5],
      'prepJob.ttlAfterFinished': ['1h', '1h'],
      'prepJob.activeDeadline': ['90s', '90s'],
      'prometheus.chart': ['prometheus-community/prometheus', 'prometheus-community/prometheus'],
      'prometheus.releaseName': ['prom', 'prom'],
      'prometheus.serviceType': ['NodePort', 'NodePort'],
      'prometheus.loadBalancerSourceRanges': ['10.0.0.0/8, 192.168.0.0/16', ['10.0.0.0/8', '192.168.0.0/16']],
      'prometheus.resources.cpuRequest': ['100m', '100m'],
      'prometheus.resources.cpuLimit': ['2', '2'],
      'prometheus.resources.memoryRequest': ['256Mi', '256Mi'],
      'prometheus.resources.memoryLimit': ['2Gi', '2Gi'],
      'prometheus.nodeExporter': ['false', false],
    };
    const overrides = listOverrides();
    expect([...overrides.values()].map((at) => at.join('.')).sort()).toEqual(Object.keys(written).sort());
    withTempDir('config', (dir) => {
      const file = writeConfig(dir, 'lab', '');
      for (const [variable, at] of overrides) {
        const [text, value] = written[at.join('.')];
        const config = loadEnvironment(file, { [variable]: text }).config;
        expect(`${variable} -> ${JSON.stringify(getAt(config, at))}`).toBe(`${variable} -> ${JSON.stringify(value)}`);
        // Nothing else moved.
        expect({ ...config, [at[0]]: undefined }).toEqual({ ...BOOK_DEFAULTS, [at[0]]: undefined });
      }
    });
  });

  test.each([
    ['nfs:\n  server: "999.1.1.1;touch /tmp/x"\n', 'lab.yaml: nfs.server: "999.1.1.1;touch /tmp/x" is invalid: expected an IPv4 address or a DNS-1123 host name'],
    ['nfs:\n  server: 300.1.1.1\n', 'nfs.server: "300.1.1.1" is invalid: expected an IPv4 address'],
    ['nfs:\n  server: 10.1.1\n', 'nfs.server: "10.1.1" is invalid: expected an IPv4 address'],
    ['nfs:\n  server: 0x7f.1\n', 'nfs.server: "0x7f.1" is invalid: expected an IPv4 address'],
    ['nfs:\n  server: "2130706433"\n', 'nfs.server: "2130706433" is invalid: expected an IPv4 address'],
    ['kubernetesVersion: "1.99999999999999999999"\n', 'kubernetesVersion: "1.99999999999999999999" is invalid: expected a Kubernetes minor version from "1.22" to "1.37"'],
    ['kubernetesVersion: "1.38"\n', 'kubernetesVersion: "1.38" is invalid: expected a Kubernetes minor version from "1.22" to "1.37" (the API removals this app knows), such as "1.27"'],
    ['owner:\n  uid: 1e400\n', 'owner.uid: 1e400 is invalid'],
    ['owner:\n  uid: .nan\n', 'owner.uid: .nan is invalid: expected a whole number'],
    ['owner: {gid: -.inf}\n', 'owner.gid: -.inf is invalid'],
    ['__proto__:\n  polluted: true\n', 'lab.yaml: __proto__: unknown setting: expected one of namespace,'],
    ['nfs:\n  constructor: x\n', 'lab.yaml: nfs.constructor: unknown setting: expected one of server, exportRoot, dataPath'],
    ['nfs:\n  exportRoot: nfs_shared\n', 'nfs.exportRoot: "nfs_shared" is invalid: expected a normalised absolute path'],
    ['nfs:\n  dataPath: /nfs_shared/../etc\n', 'nfs.dataPath: "/nfs_shared/../etc" is invalid: expected a normalised absolute path'],
    ['nfs:\n  dataPath: "/nfs_shared/a b"\n', 'nfs.dataPath: "/nfs_shared/a b" is invalid'],
    ['nfs:\n  dataPath: /srv/prometheus\n', 'nfs.dataPath: "/srv/prometheus" is invalid: expected a directory below nfs.exportRoot (/nfs_shared)'],
    ['storage:\n  size: 10GB\n', 'storage.size: "10GB" is invalid: expected a whole number of Ki, Mi, Gi, Ti or Pi'],
    ['storage:\n  accessMode: ReadOnlyMany\n', 'storage.accessMode: "ReadOnlyMany" is invalid: expected ReadWriteMany, ReadWriteOnce or ReadWriteOncePod'],
    ['storage:\n  reclaimPolicy: Recycle\n', 'storage.reclaimPolicy: "Recycle" is invalid: expected Retain or Delete'],
    ['owner:\n  uid: 1000.5\n', 'owner.uid: 1000.5 is invalid: expected a whole number'],
    ['owner:\n  uid: 0\n', 'owner.uid: 0 is invalid: expected a whole number from 1 to 2147483647 (Prometheus runs as non-root)'],
    ['storage:\n  size: 1.5Gi\n', 'storage.size: "1.5Gi" is invalid: expected a whole number of Ki, Mi, Gi, Ti or Pi'],
    ['owner:\n  gid: "1000"\n', 'owner.gid: "1000" is invalid'],
    ['namespace: Monitoring\n', 'namespace: "Monitoring" is invalid: expected a DNS-1123 label'],
    ['kubernetesVersion: "1.18"\n', 'kubernetesVersion: "1.18" is invalid: expected a Kubernetes minor version'],
    ['storage:\n  volumeName: "prometheus_server"\n', 'storage.volumeName: "prometheus_server" is invalid: expected a DNS-1123 name'],
    ['prepJob:\n  ttlAfterFinished: 86400\n', 'prepJob.ttlAfterFinished: 86400 is invalid: expected a string'],
    ['prepJob:\n  activeDeadline: 5min\n', 'prepJob.activeDeadline: "5min" is invalid: expected a whole number of s, m, h or d'],
    ['prepJob:\n  image: busybox:latest\n', 'prepJob.image: "busybox:latest" is invalid: expected an image pinned by digest'],
    ['prometheus:\n  loadBalancerSourceRanges: [192.168.1.1/24]\n', 'prometheus.loadBalancerSourceRanges.0: "192.168.1.1/24" is invalid: expected IPv4 networks such as 192.168.1.0/24, host bits zero'],
    ['prometheus:\n  chart: prometheus\n', 'prometheus.chart: "prometheus" is invalid: expected edu/prometheus or prometheus-community/prometheus'],
    ['kubernetesVersion: "1.24"\nprometheus:\n  chart: prometheus-community/prometheus\n',
      'kubernetesVersion: "1.24" is invalid: expected "1.25" or later: chart prometheus-community/prometheus supports no older Kubernetes'],
    ['prometheus:\n  loadBalancerSourceRanges: []\n', 'prometheus.loadBalancerSourceRanges: [] is invalid: expected at least one network'],
    ['prometheus:\n  resources: {memoryRequest: 2Gi}\n', 'prometheus.resources.memoryRequest: "2Gi" is invalid: expected at most memoryLimit'],
    ['prometheus:\n  resources: {cpuRequest: "2"}\n', 'prometheus.resources.cpuRequest: "2" is invalid: expected at most cpuLimit'],
    ['prometheus:\n  resources: {cpuLimit: 1.5GHz}\n', 'prometheus.resources.cpuLimit: "1.5GHz" is invalid: expected a CPU quantity such as 250m or 1'],
    ['nfs:\n  sever: 10.0.0.1\n', 'lab.yaml: nfs.sever: unknown setting: expected one of server, exportRoot, dataPath'],
    ['- just\n- a list\n', 'expected a mapping of settings at the top level, got a list'],
    ['nfs: [unclosed\n', 'lab.yaml: not valid YAML'],
  ])('refuses %j with one line naming field, value and expectation', (content, expected) => {
    const message = errorFor(content);
    expect(message).toContain(expected);
    expect(message).not.toContain('\n');
  });

  test('an invalid BOOK_* value names the variable and the field', () => {
    const message = errorFor('', { BOOK_NFS_SERVER: '999.1.1.1;touch /tmp/x' });
    expect(message).toBe('BOOK_NFS_SERVER (nfs.server): "999.1.1.1;touch /tmp/x" is invalid: expected an IPv4 address or a DNS-1123 host name');
  });

  test('a misspelt BOOK_* variable is refused, not ignored', () => {
    expect(errorFor('', { BOOK_NFS_SEVER: '10.0.0.1' })).toMatch(/^BOOK_NFS_SEVER: unknown setting: expected one of BOOK_NAMESPACE, /);
  });

  test('SYNTH_ENVIRONMENTS selects environments and refuses unknown names', () => {
    withTempDir('config', (dir) => {
      writeConfig(dir, 'lab', '');
      writeConfig(dir, 'prod', 'namespace: monitoring\n');
      expect(loadEnvironments({ configDir: dir, env: {} }).map((e) => e.name)).toEqual(['lab', 'prod']);
      expect(loadEnvironments({ configDir: dir, env: { SYNTH_ENVIRONMENTS: 'prod' } }).map((e) => e.name)).toEqual(['prod']);
      expect(() => loadEnvironments({ configDir: dir, env: { SYNTH_ENVIRONMENTS: 'staging' } })).toThrow('SYNTH_ENVIRONMENTS: "staging" is not an environment: expected one of lab, prod');
    });
  });

  test('reports every problem of every environment at once, one line each', () => {
    withTempDir('config', (dir) => {
      writeConfig(dir, 'lab', 'nfs:\n  server: 300.1.1.1\nowner:\n  uid: 0\n');
      writeConfig(dir, 'prod', 'storage:\n  size: 10GB\n  sise: 10Gi\n');
      let problems: readonly string[] = [];
      try {
        loadEnvironments({ configDir: dir, env: { BOOK_NAMESPACE: 'Bad', BOOK_NFS_SEVER: 'x' } });
      } catch (error) {
        problems = (error as UserError).problems;
      }
      const lab = path.join(dir, 'lab.yaml');
      const prod = path.join(dir, 'prod.yaml');
      expect(problems).toEqual([
        expect.stringMatching(/^BOOK_NFS_SEVER: unknown setting: expected one of BOOK_NAMESPACE, /),
        'BOOK_NAMESPACE (namespace): "Bad" is invalid: expected a DNS-1123 label (lower-case letters, digits and "-", at most 63 characters)',
        `${lab}: nfs.server: "300.1.1.1" is invalid: expected an IPv4 address or a DNS-1123 host name`,
        `${lab}: owner.uid: 0 is invalid: expected a whole number from 1 to 2147483647 (Prometheus runs as non-root)`,
        `${prod}: storage.size: "10GB" is invalid: expected a whole number of Ki, Mi, Gi, Ti or Pi, such as 10Gi or 500Mi`,
        `${prod}: storage.sise: unknown setting: expected one of volumeName, claimName, size, accessMode, reclaimPolicy`,
      ]);
    });
  });

  test('a YAML alias bomb is refused in well under a second, its value described in at most 120 characters', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (const [index, name] of ['b', 'c', 'd', 'e', 'f', 'g', 'h'].entries()) {
      const previous = 'abcdefg'[index];
      levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(', ')}]`);
    }
    levels.push(`namespace: [${Array(9).fill('*h').join(', ')}]`);
    const started = Date.now();
    const message = errorFor(levels.join('\n'));
    expect(Date.now() - started).toBeLessThan(1000);
    const described = /namespace: (.*) is invalid/.exec(message)?.[1] ?? '';
    expect(described.length).toBeLessThanOrEqual(120);
    expect(described.endsWith('...')).toBe(true);
  });

  test('-0 is written as 0', () => {
    withTempDir('config', (dir) => {
      const backoffLimit = loadEnvironment(writeConfig(dir, 'lab', 'prepJob:\n  backoffLimit: -0\n'), {}).config.prepJob.backoffLimit;
      expect(Object.is(backoffLimit, 0)).toBe(true);
    });
  });

  test('a file over 64 KiB is refused before it is parsed', () => {
    expect(errorFor(`namespace: default\n${'#'.repeat(70 * 1024)}\n`)).toMatch(/lab\.yaml: \d+ bytes is too large: expected an environment file of at most 65536 bytes$/);
  });

  test('control characters in a file name are escaped in the message', () => {
    withTempDir('config', (dir) => {
      const file = writeConfig(dir, 'bad\u001b[31mname', '');
      let problems: readonly string[] = [];
      try {
        loadEnvironment(file, {});
      } catch (error) {
        problems = (error as UserError).problems;
      }
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain('bad\\x1b[31mname');
      expect(problems[0]).not.toContain('\u001b');
    });
  });
});
