import { ChildProcess, spawn } from 'child_process';

/** renameat2(RENAME_EXCHANGE) numbers by architecture; Node has no binding for it, Perl's syscall() does. */
const RENAMEAT2: Partial<Record<string, number>> = { x64: 316, arm64: 276 };

/** Reads "first\0second" lines, swaps the two paths in one step, answers "ok" or "no" per line. */
const EXCHANGE_LOOP = [
  '$| = 1;',
  'while (my $line = <STDIN>) {',
  '  chomp $line;',
  '  my ($first, $second) = split /\\0/, $line;',
  '  print syscall($ARGV[0], -100, $first, -100, $second, 2) == 0 ? "ok\\n" : "no\\n";',
  '}',
].join('\n');

/**
 * Swaps two folders atomically (Linux renameat2 with RENAME_EXCHANGE), through a Perl process started
 * ahead of time: starting it costs a few milliseconds, which synth pays while helm runs rather than
 * at the end. Where the kernel, the file system or Perl cannot, exchange() answers false.
 */
export class DirectoryExchanger {
  /** Starts the helper; a machine without Perl, or another architecture, gets one that always says false. */
  public static start(): DirectoryExchanger {
    const syscall = RENAMEAT2[process.arch];
    if (syscall === undefined) return new DirectoryExchanger(undefined);
    const child = spawn('perl', ['-e', EXCHANGE_LOOP, String(syscall)], { stdio: ['pipe', 'pipe', 'ignore'] });
    child.once('error', () => undefined);
    child.stdin!.on('error', () => undefined);
    setHeld(child, false);
    return new DirectoryExchanger(child);
  }

  private constructor(private readonly child: ChildProcess | undefined) {}

  /** Swaps the two folders; false when it could not (nothing changed then). */
  public exchange(first: string, second: string): Promise<boolean> {
    const child = this.child;
    if (!child || child.exitCode !== null || /[\n\0]/.test(first + second)) return Promise.resolve(false);
    // Held while the answer is due, so Node does not exit in between; otherwise the helper keeps nothing alive.
    setHeld(child, true);
    return new Promise((resolve) => {
      const onData = (chunk: Buffer) => {
        cleanup();
        resolve(chunk.toString().startsWith('ok'));
      };
      const onEnd = () => {
        cleanup();
        resolve(false);
      };
      const cleanup = () => {
        child.stdout!.off('data', onData);
        child.off('close', onEnd);
        setHeld(child, false);
      };
      child.stdout!.once('data', onData);
      child.once('close', onEnd);
      child.stdin!.write(`${first}\0${second}\n`);
    });
  }

  /** Ends the helper and waits for it to exit, so that nothing of this process outlives it. */
  public close(): Promise<void> {
    const child = this.child;
    if (!child || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    setHeld(child, true);
    return new Promise((resolve) => {
      child.once('close', () => resolve());
      child.stdin!.end();
    });
  }
}

/** Whether the helper and its output pipe keep Node's event loop alive. */
function setHeld(child: ChildProcess, held: boolean): void {
  const stdout = child.stdout as unknown as { ref(): void; unref(): void };
  if (held) {
    child.ref();
    stdout.ref();
  } else {
    child.unref();
    stdout.unref();
  }
}
