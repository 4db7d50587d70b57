import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { environmentNames, environmentOutdir } from '../../lib/config/loader';
import { parseYaml } from '../../lib/manifests/yaml';
import { PROJECT_ROOT } from '../../lib/support/project-root';
import { installTool, withTempDir } from '../helpers';

/** One finding: kube-score's check, the object and container it names, and its own text. */
interface Finding {
  readonly check: string;
  readonly object: string;
  readonly container: string;
  readonly text: string;
}

interface IgnoreEntry {
  readonly check: string;
  readonly object: string;
  readonly container?: string;
  readonly reason: string;
}

interface ScoredObject {
  type_meta: { kind: string };
  object_meta: { name: string };
  checks: Array<{ check: { id: string; name: string }; grade: number; skipped: boolean; comments: Array<{ path: string; summary: string }> | null }>;
}

const IGNORE_FILE = path.join(__dirname, 'kube-score-ignore.yaml');
const GRADES: Record<number, string> = { 1: 'CRITICAL', 5: 'WARNING' };

/** Every critical finding and warning of kube-score's default checks over the folder's manifests. */
function score(folder: string): Finding[] {
  const files = fs.readdirSync(folder).filter((file) => file.endsWith('.yaml')).map((file) => path.join(folder, file));
  const result = spawnSync(installTool('kube-score'), ['score', '--output-format', 'json', ...files], { encoding: 'utf8' });
  const objects = JSON.parse(result.stdout) as ScoredObject[];
  return objects.flatMap((object) => {
    const name = `${object.type_meta.kind}/${object.object_meta.name}`;
    return object.checks.filter((c) => !c.skipped && GRADES[c.grade] !== undefined).flatMap((c) =>
      (c.comments ?? [{ path: '', summary: c.check.name }]).map((comment) => ({
        check: c.check.id,
        object: name,
        container: comment.path,
        text: `[${GRADES[c.grade]}] ${name}: ${comment.path ? `(${comment.path}) ` : ''}${comment.summary}`,
      })));
  });
}

function matches(entry: IgnoreEntry, finding: Finding): boolean {
  const object = new RegExp(`^${entry.object.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('[0-9a-f]+')}$`);
  return entry.check === finding.check && object.test(finding.object) && (entry.container === undefined || entry.container === finding.container);
}

const ignored = parseYaml(fs.readFileSync(IGNORE_FILE, 'utf8')) as IgnoreEntry[];
const unexplained = (findings: readonly Finding[]) => findings.filter((finding) => !ignored.some((entry) => matches(entry, finding)));

describe('kube-score (default checks) as a gate', () => {
  const environments = environmentNames(path.join(PROJECT_ROOT, 'config', 'environments'));
  const findings = new Map(environments.map((name) => [name, score(environmentOutdir(path.join(PROJECT_ROOT, 'dist'), name))]));

  test('every entry of the ignore list gives its reason', () => {
    const unexplainedEntries = ignored.filter((entry) => typeof entry.reason !== 'string' || entry.reason.length < 40);
    expect(unexplainedEntries).toEqual([]);
  });

  test.each(environments)('environment %s has no finding but those the ignore list explains', (name) => {
    expect(unexplained(findings.get(name) ?? []).map((finding) => finding.text)).toEqual([]);
  });

  test('the default environment\'s critical findings are exactly these, each explained (a new one or a fixed one shows here)', () => {
    const critical = (findings.get('lab') ?? []).filter((finding) => finding.text.startsWith('[CRITICAL]'));
    expect(critical.map((finding) => finding.text.replace(/-[0-9a-f]{8}:/, '-*:')).sort()).toEqual([
      // node-exporter uses the host network, which NetworkPolicies do not govern.
      '[CRITICAL] DaemonSet/prometheus-node-exporter: The pod does not have a matching NetworkPolicy',
      // Prometheus runs as the book's 1000:1000, the data directory's owner.
      '[CRITICAL] Deployment/prometheus-server: (prometheus-server) The container is running with a low user ID',
      '[CRITICAL] Deployment/prometheus-server: (prometheus-server) The container running with a low group ID',
      // The prep Job must be root to chown; it keeps only CHOWN.
      '[CRITICAL] Job/prometheus-server-nfs-prep-*: (prepare-directory) The container is running with a low user ID',
      '[CRITICAL] Job/prometheus-server-nfs-prep-*: (prepare-directory) The container running with a low group ID',
    ]);
    expect(unexplained(critical)).toEqual([]);
  });

  test('every entry of the ignore list still matches a finding', () => {
    const all = [...findings.values()].flat();
    expect(ignored.filter((entry) => !all.some((finding) => matches(entry, finding))).map((entry) => `${entry.check} ${entry.object}`)).toEqual([]);
  });

  test('negative: a container without limits is caught, in kube-score\'s words', () => {
    withTempDir('kube-score', (dir) => {
      const source = fs.readFileSync(path.join(PROJECT_ROOT, 'dist', '0002-prometheus.k8s.yaml'), 'utf8');
      const unlimited = source.replace(/( +)limits:\n\1 {2}cpu: "1"\n\1 {2}ephemeral-storage: 256Mi\n\1 {2}memory: 1Gi\n/, '');
      expect(unlimited).not.toBe(source);
      fs.writeFileSync(path.join(dir, 'prometheus.k8s.yaml'), unlimited);
      expect(unexplained(score(dir)).map((finding) => finding.text)).toEqual(expect.arrayContaining([
        '[CRITICAL] Deployment/prometheus-server: (prometheus-server) CPU limit is not set',
        '[CRITICAL] Deployment/prometheus-server: (prometheus-server) Memory limit is not set',
      ]));
    });
  });
});
