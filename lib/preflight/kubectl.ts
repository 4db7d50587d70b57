import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { TOOLS_BIN } from '../helm/helm-binary';
import { UserError } from '../support/errors';

/** Runs kubectl against the current kubeconfig. */
export interface Kubectl {
  /** Runs kubectl with the arguments and, when given, `input` on stdin; never throws for a non-zero exit. */
  run(args: readonly string[], input?: string): { status: number | null; stdout: string; stderr: string };
}

/** Environment variable naming the kubectl to run; the e2e sets it to the one of each release it starts. */
const KUBECTL_ENV = 'KUBECTL';

/** $KUBECTL when set, else kubectl from tools/bin when present, else from PATH. */
export function systemKubectl(env: NodeJS.ProcessEnv = process.env): Kubectl {
  const pinned = path.join(TOOLS_BIN, 'kubectl');
  const executable = env[KUBECTL_ENV] || (fs.existsSync(pinned) ? pinned : 'kubectl');
  return {
    run(args, input) {
      const result = spawnSync(executable, [...args], { encoding: 'utf8', env, input, timeout: 60_000 });
      if (result.error) {
        throw new UserError(`kubectl could not be run (${executable}): ${result.error.message}; install kubectl or run scripts/install-kube.sh`);
      }
      return { status: result.status, stdout: result.stdout, stderr: result.stderr };
    },
  };
}

/** True when kubectl said the object does not exist. */
export function isNotFound(stderr: string): boolean {
  return /NotFound|not found/.test(stderr);
}
