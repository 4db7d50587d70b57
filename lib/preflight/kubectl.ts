import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { TOOLS_BIN } from '../helm/helm-binary';
import { UserError } from '../support/errors';

/** Runs kubectl against the current kubeconfig. */
export interface Kubectl {
  /** Runs kubectl with the arguments; never throws for a non-zero exit. */
  run(args: readonly string[]): { status: number | null; stdout: string; stderr: string };
}

/** kubectl from tools/bin (the pinned build) when present, else from PATH. */
export function systemKubectl(env: NodeJS.ProcessEnv = process.env): Kubectl {
  const pinned = path.join(TOOLS_BIN, 'kubectl');
  const executable = fs.existsSync(pinned) ? pinned : 'kubectl';
  return {
    run(args) {
      const result = spawnSync(executable, [...args], { encoding: 'utf8', env, timeout: 60_000 });
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
