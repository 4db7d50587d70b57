import * as fs from 'fs';
import * as path from 'path';
import { PROJECT_ROOT } from '../../lib/support/project-root';

/*
 * README.ko.md is README.md's five-minute guide for the book's Korean readers. Its prose is its own; its commands
 * and links are README's, so that a change to one that the other misses fails here.
 */

const read = (name: string) => fs.readFileSync(path.join(PROJECT_ROOT, name), 'utf8');
const LANGUAGE_LINKS = new Set(['README.md', 'README.ko.md']);

/** Every command of the file's ```sh blocks, in order, without the comments that explain it (those are translated). */
function commands(markdown: string): string[] {
  const blocks = [...markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((match) => match[1]);
  return blocks.flatMap((block) => block.split('\n').map((line) => line.replace(/\s+#.*$/, '').replace(/^#.*$/, '').trim()).filter(Boolean));
}

/** The targets of the file's links, but in-page anchors (their headings are translated) and the language switch. */
function links(markdown: string): string[] {
  const targets = [...markdown.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]);
  return [...new Set(targets.filter((target) => !target.startsWith('#') && !LANGUAGE_LINKS.has(target)))].sort();
}

describe('README.ko.md', () => {
  const english = read('README.md');
  const korean = read('README.ko.md');

  test('has README\'s commands, in README\'s order', () => {
    expect(commands(english).length).toBeGreaterThan(3);
    expect(commands(korean)).toEqual(commands(english));
  });

  test('links where README links', () => {
    expect(links(english)).toContain('docs/architecture.md');
    expect(links(korean)).toEqual(links(english));
  });

  test('each README links the other at its top', () => {
    expect(english.split('\n').slice(0, 4).join('\n')).toContain('](README.ko.md)');
    expect(korean.split('\n').slice(0, 4).join('\n')).toContain('](README.md)');
  });

  test('every in-page link of each leads to a heading it has (GitHub\'s anchors)', () => {
    for (const markdown of [english, korean]) {
      const headings = [...markdown.matchAll(/^#{2,3} (.+)$/gm)].map((match) => match[1].toLowerCase().replace(/[^\p{L}\p{N} -]/gu, '').replace(/ /g, '-'));
      const anchors = [...markdown.matchAll(/\]\(#([^)]+)\)/g)].map((match) => match[1]);
      expect(anchors.filter((anchor) => !headings.includes(decodeURIComponent(anchor)))).toEqual([]);
    }
  });
});
