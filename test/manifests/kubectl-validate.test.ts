import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { environmentOutdir, loadEnvironments } from '../../lib/config/loader';
import { ensureChart } from '../../lib/helm/chart-archive';
import { readChartLock } from '../../lib/helm/chart-lock';
import { findHelm } from '../../lib/helm/helm-binary';
import { PROJECT_ROOT } from '../../lib/support/project-root';
import { installTool, MIRRORS, withTempDir } from '../helpers';
import { schemaFlags } from './schemas';

/** Validation failures by file, as kubectl-validate --output json reports them. */
type Report = Record<string, Array<{ status: string; message?: string }>>;

/** Validates every manifest under `target` against the schemas of Kubernetes `kubernetesVersion`. */
function validate(target: string, kubernetesVersion = '1.27'): { status: number | null; report: Report } {
  const result = spawnSync(installTool('kubectl-validate'), [target, ...schemaFlags(kubernetesVersion), '--output', 'json'], { encoding: 'utf8' });
  return { status: result.status, report: JSON.parse(result.stdout) as Report };
}

function failures(report: Report): string[] {
  return Object.entries(report).flatMap(([file, results]) =>
    results.filter((r) => r.status !== 'Success').map((r) => `${path.basename(file)}: ${r.message}`));
}

describe('kubectl-validate (the schemas of each environment\'s own target)', () => {
  const environments = loadEnvironments({ configDir: path.join(PROJECT_ROOT, 'config', 'environments'), env: {} })
    .map((environment) => [environment.name, environment.config.kubernetesVersion] as const);
  test.each(environments)('every object of environment %s is valid for Kubernetes %s', (environment, kubernetesVersion) => {
    const folder = environmentOutdir(path.join(PROJECT_ROOT, 'dist'), environment);
    const { status, report } = validate(folder, kubernetesVersion);
    expect(failures(report)).toEqual([]);
    expect(Object.keys(report).map((file) => path.basename(file)).sort()).toEqual(fs.readdirSync(folder).sort());
    expect(status).toBe(0);
  });

  test('the chart\'s raw output, without the apiVersion rewrite, is refused', () => {
    withTempDir('raw', (dir) => {
      const helm = findHelm();
      const chart = ensureChart(readChartLock('edu/prometheus'), { helm, mirrors: MIRRORS });
      const raw = spawnSync(helm.path, ['template', 'prometheus', chart, '--kube-version', 'v1.27.0', '--set', 'alertmanager.enabled=false,pushgateway.enabled=false'], { encoding: 'utf8' });
      fs.writeFileSync(path.join(dir, 'raw.yaml'), raw.stdout);
      const { status } = validate(dir);
      expect(status).not.toBe(0);
      const result = spawnSync(installTool('kubectl-validate'), [dir, '--version', '1.27'], { encoding: 'utf8' });
      expect(result.stdout + result.stderr).toContain('failed to locate OpenAPI spec for GV: rbac.authorization.k8s.io/v1beta1');
    });
  });

  test('the 1.37 schemas (the release\'s own OpenAPI documents) refuse what 1.37 does not serve', () => {
    withTempDir('removed', (dir) => {
      fs.writeFileSync(path.join(dir, 'psp.yaml'), 'apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata:\n  name: demo\nspec:\n  minAvailable: 1\n');
      const { status, report } = validate(dir, '1.37');
      expect(status).not.toBe(0);
      expect(failures(report).join('\n')).toContain('policy/v1beta1');
    });
  });

  test('unknown fields and wrong types fail, naming the file and the field', () => {
    withTempDir('invalid', (dir) => {
      fs.writeFileSync(path.join(dir, 'unknown-field.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: demo\ndata:\n  a: b\nbogus: true\n');
      fs.writeFileSync(path.join(dir, 'wrong-type.yaml'), 'apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: demo\nspec:\n  backoffLimit: three\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: c, image: busybox}]\n');
      const { status, report } = validate(dir);
      expect(status).not.toBe(0);
      const messages = failures(report).join('\n');
      expect(messages).toMatch(/unknown-field\.yaml: .*bogus: Invalid value: value provided for unknown field/);
      expect(messages).toMatch(/wrong-type\.yaml: .*spec\.backoffLimit/);
    });
  });
});
