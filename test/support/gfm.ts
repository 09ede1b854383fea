// GitHub-flavoured Markdown rendered by cmark-gfm (Debian's build of GitHub's own renderer), with the
// extensions GitHub turns on for job summaries and comments: tables, autolinks, strikethrough,
// the tag filter.
import { execFileSync } from 'node:child_process';

export const CMARK_GFM = '/usr/bin/cmark-gfm';

export function renderGfm(markdown: string): string {
  return execFileSync(CMARK_GFM, ['-e', 'table', '-e', 'autolink', '-e', 'strikethrough', '-e', 'tagfilter'], { input: markdown, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}
