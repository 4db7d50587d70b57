import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PROJECT_ROOT } from '../lib/support/project-root';

/*
 * The book's last step: Prometheus's web UI in a browser on the host the lab's VMs run on. Debian's Chromium,
 * headless, in that host's network namespace (e2e/pod-network.ts's labHost), loads a page, lets its scripts run
 * (both UIs fetch their data from the server's API after the page loads) and gives the document they built; or
 * a screenshot of it.
 */

/** The book's host laptop on the lab network, where the browser runs. */
export const BOOK_HOST = '192.168.1.1';

/** Where each run leaves its screenshots (gitignored); one of each UI is committed under docs/. */
export const SCREENSHOTS = path.join(PROJECT_ROOT, 'build', 'e2e-screenshots');

/** How long, in the page's own virtual time, its scripts get to fetch and draw: waiting on the network does not count. */
const SCRIPT_TIME_MS = 10_000;
const CHROMIUM = '/usr/bin/chromium';
/** Headless, as root (no sandbox), and nothing of its own on the network: no updates, sync or QUIC. */
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--window-size=1280,900', `--virtual-time-budget=${SCRIPT_TIME_MS}`];

/** Runs Chromium in the network namespace with a profile of its own, removed after. */
function chromium(netns: string, args: readonly string[], url: string): string {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: run scripts/install-kube.sh (Debian's chromium)`);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-chromium-'));
  try {
    const result = spawnSync('nsenter', [`--net=${netns}`, CHROMIUM, ...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, ...args, url],
      { encoding: 'utf8', timeout: 90_000, maxBuffer: 64 * 1024 * 1024 });
    if (result.status !== 0) throw new Error(`chromium on ${url} exited with ${result.status ?? result.signal}: ${result.stderr.trim().split('\n').slice(-3).join('\n')}`);
    return result.stdout;
  } finally {
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

/** The page's document once its scripts have run, as HTML. */
export function loadPage(netns: string, url: string): string {
  return chromium(netns, ['--dump-dom'], url);
}

/** A screenshot of the page once its scripts have run, written to `file`. */
export function screenshot(netns: string, url: string, file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  chromium(netns, [`--screenshot=${file}`], url);
  if (!fs.existsSync(file) || fs.statSync(file).size === 0) throw new Error(`chromium wrote no screenshot of ${url} to ${file}`);
}

/** Each table row of the document as the text a reader sees in it, spaces collapsed. */
export function tableRows(html: string): string[] {
  return html.split(/<tr\b[^>]*>/).slice(1).map((row) => row.split('</tr>')[0].replace(/<[^>]*>/g, ' ')
    .replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ').trim());
}
