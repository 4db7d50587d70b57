import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { PROJECT_ROOT } from '../lib/support/project-root';
import { LocalCluster } from './local-cluster';
import { waitForPort } from './processes';

/*
 * What a GitOps user has: a Git repository holding the synthesized folders (dist/, dist-<name>/), into which
 * they commit and revert. Here a bare repository in the cluster's work folder, committed to through a work
 * tree beside it, and served read-only over smart HTTP on 127.0.0.1 by e2e/git-http-server.js, so the
 * GitOps controllers clone it as they would any remote.
 */

const SERVER = path.join(PROJECT_ROOT, 'e2e', 'git-http-server.js');
const REPOSITORY = 'prometheus-book.git';
const BRANCH = 'main';
const AUTHOR = ['-c', 'user.name=e2e', '-c', 'user.email=e2e@127.0.0.1'];

export class GitRepository {
  /** Creates the repository with one empty commit and starts its server, which stops with the cluster. */
  public static serve(cluster: LocalCluster): GitRepository {
    const root = path.join(cluster.workdir, 'git');
    const bare = path.join(root, 'repositories', REPOSITORY);
    const work = path.join(root, 'work');
    fs.mkdirSync(path.dirname(bare), { recursive: true });
    git(root, ['init', '--quiet', '--bare', '--initial-branch', BRANCH, bare]);
    git(root, ['init', '--quiet', '--initial-branch', BRANCH, work]);
    git(work, ['commit', '--quiet', '--allow-empty', '-m', 'an empty repository']);
    git(work, ['push', '--quiet', bare, BRANCH]);
    cluster.startServer('git', process.execPath, [SERVER, path.dirname(bare)]);
    const port = waitForPort(path.join(cluster.workdir, 'git.log'), 'the Git server');
    return new GitRepository(work, bare, `http://127.0.0.1:${port}/${REPOSITORY}`);
  }

  private constructor(private readonly work: string, private readonly bare: string, public readonly url: string) {}

  /** Replaces each folder of the repository (`dist`, say) by a copy of the given one, commits and pushes; returns the commit. */
  public commit(message: string, folders: Readonly<Record<string, string>>): string {
    for (const [name, source] of Object.entries(folders)) {
      fs.rmSync(path.join(this.work, name), { recursive: true, force: true });
      fs.cpSync(source, path.join(this.work, name), { recursive: true });
    }
    git(this.work, ['add', '--all']);
    git(this.work, ['commit', '--quiet', '-m', message]);
    return this.push();
  }

  /** `git revert` of the last commit, pushed; returns the new commit. */
  public revertLast(): string {
    git(this.work, ['revert', '--no-edit', 'HEAD']);
    return this.push();
  }

  /** The revision a Flux source reports for a commit: "main@sha1:<commit>". */
  public static fluxRevision(commit: string): string {
    return `${BRANCH}@sha1:${commit}`;
  }

  private push(): string {
    git(this.work, ['push', '--quiet', this.bare, BRANCH]);
    return git(this.work, ['rev-parse', 'HEAD']).trim();
  }
}

function git(cwd: string, args: readonly string[]): string {
  const result = spawnSync('git', [...AUTHOR, ...args], { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}
