import * as path from 'path';
import { parseArgs } from 'util';
import { ChartChange, changeChart } from '../chart-command/chart-change';
import { CHART_LOCK_FILE, isExactVersion, isLockName } from '../helm/chart-lock';
import { findHelm } from '../helm/helm-binary';
import { runCli } from '../support/cli';
import { UserError } from '../support/errors';
import { PROJECT_ROOT } from '../support/project-root';

const USAGE = 'expected `npm run chart -- add <repository name>/<chart>@<version> --repository <url>`'
  + ' or `npm run chart -- bump <repository name>/<chart> [<version>]`';

/**
 * `npm run chart -- add|bump`: pins a new chart, or moves a pinned one to another version (the newest by
 * default), in charts.lock.yaml, then writes the folders; docs/charts.md. A refusal writes nothing.
 */
void runCli('chart', () => {
  try {
    changeChart(parseChange(process.argv.slice(2)), {
      lockFile: CHART_LOCK_FILE,
      configDir: process.env.SYNTH_CONFIG_DIR ?? path.join(PROJECT_ROOT, 'config', 'environments'),
      outdir: process.env.CDK8S_OUTDIR ?? path.join(PROJECT_ROOT, 'dist'),
      env: process.env,
      helm: findHelm(),
      print: (line: string) => process.stdout.write(`${line}\n`),
    });
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    throw new UserError(error.problems.map((problem) => `${problem} (${path.basename(CHART_LOCK_FILE)} and the folders are unchanged)`));
  }
});

/** The arguments as a change, or a UserError naming the argument that is wrong and what is expected. */
function parseChange(args: string[]): ChartChange {
  let parsed: ReturnType<typeof parseWithRepository>;
  try {
    parsed = parseWithRepository(args);
  } catch (error) {
    throw new UserError(`${(error as Error).message}: ${USAGE}`);
  }
  const [action, spec, version, ...extra] = parsed.positionals;
  const repository = parsed.values.repository;
  if (action !== 'add' && action !== 'bump') throw new UserError(`action ${JSON.stringify(action ?? '')} is unknown: ${USAGE}`);
  if (spec === undefined || extra.length > 0 || (action === 'add' && version !== undefined)) {
    throw new UserError(`wrong number of arguments: ${USAGE}`);
  }
  const [name, pinned] = action === 'add' ? spec.split('@') : [spec, version];
  if (!isLockName(name)) {
    throw new UserError(`chart "${name}" is invalid: expected <repository name>/<chart name>, such as prometheus-community/prometheus`);
  }
  if ((action === 'add' || pinned !== undefined) && !isExactVersion(pinned ?? '')) {
    throw new UserError(`version "${pinned ?? ''}" of ${name} is invalid: expected an exact version such as 29.27.0 (\`${name}@<version>\` to add)`);
  }
  if (action === 'add' && !/^https?:\/\/[^\s]+$/.test(repository ?? '')) {
    const expected = 'expected the chart repository\'s http(s) URL, as `helm repo add` takes it';
    throw new UserError(`--repository ${JSON.stringify(repository ?? '')} is invalid: ${expected}`);
  }
  if (action === 'bump' && repository !== undefined) {
    throw new UserError(`--repository is for add only: a bump keeps the locked repository: ${USAGE}`);
  }
  return { action, name, version: pinned, repository };
}

function parseWithRepository(args: string[]) {
  return parseArgs({ args, options: { repository: { type: 'string' } }, allowPositionals: true, strict: true });
}
