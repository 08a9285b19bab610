// Error texts, names, commands and paths in tree tooltips read as themselves. The judge is a real
// CommonMark renderer (markdown-it, with raw HTML on: stricter than VS Code's hovers).
import { strict as assert } from 'node:assert';
import { codeSpan, escapeMarkdown, taskTooltipMarkdown } from '../../../src/extension/ui/markdownText';
import type { TaskRecord } from '../../../src/shared/model';

// markdown-it ships no types; this is all the test uses of it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const MarkdownIt = require('markdown-it') as new (opts: { html: boolean }) => { render(src: string): string };
const md = new MarkdownIt({ html: true });

const HOSTILE = [
  '[Retry](command:backupScheduler.clearHistory?{"confirm":true})',
  '![x](https://tracker.example/pixel.png) <img src=x onerror=alert(1)> <b>bold</b>',
  '# not a heading',
  'first line\n===\nsecond',
  '*not emphasis* __nor strong__ ~~nor struck~~',
  '`not code` and \\` a backslash',
  '&amp; &lt;b&gt; &#65;',
  '1. not a list',
  '- nor this\n> nor a quote',
  '| a | b |\n|---|---|',
  '$(alert) not an icon, $(sync~spin) neither',
  'pg_dump: error: connection to server at "db" (10.0.0.5), port 5432 failed: FATAL: password authentication failed for user "app"',
  '[link]: https://example.com\n[link]',
  'tab\there, trailing spaces  \nand a hard break',
];

/** The text a reader sees: tags dropped, entities decoded, white space collapsed. */
function seen(html: string): string {
  return html
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

const plain = (s: string) => s.replace(/\s+/g, ' ').trim();
const FORMATTING = /<(a|img|h\d|em|strong|s|del|ol|ul|li|blockquote|table|b|br|hr|pre)\b/;

function task(over: Partial<TaskRecord>): TaskRecord {
  return { id: 7, envId: 'db', kind: 'backup', trigger: 'manual', status: 'failed', queuedAt: Date.UTC(2026, 10, 29, 1), startedAt: null, finishedAt: null, progress: null, result: null, error: null, skipReason: null, warnings: 0, ...over } as TaskRecord;
}

describe('Markdown text in tooltips', () => {
  for (const text of HOSTILE) {
    it(`shows ${JSON.stringify(text.slice(0, 40))} as itself`, () => {
      const html = md.render(escapeMarkdown(text));
      assert.doesNotMatch(html, FORMATTING, html);
      assert.equal(seen(html), plain(text));
      assert.doesNotMatch(escapeMarkdown(text), /(^|[^\\])\$\(/, 'a theme icon would render');
    });
  }

  it('a code span holds any text, backticks included', () => {
    for (const text of ['/tmp/we`ird/a.tar.gz', '``double`` and `single`', '`starts and ends`', 'pg_dump > "$BACKUP_FILE" && echo <done>']) {
      const html = md.render(`Source: ${codeSpan(text)}`);
      const code = /<code>(.*)<\/code>/.exec(html);
      assert.ok(code, html);
      assert.equal(seen(code[1]), text);
    }
  });

  it('the Tasks view tooltip shows the error, skip reason, name and archive path as written', () => {
    const error = HOSTILE.join(' ');
    const source = taskTooltipMarkdown(task({ error, skipReason: '**busy** <i>x</i>', result: { archivePath: '/b/we`ird [1](x).tar.gz', size: 10, fileCount: 1 } }), 'My *db* [prod]', 'failed');
    const html = md.render(source);
    assert.doesNotMatch(html.replace(/<strong>#7 backup of My \*db\* \[prod\]<\/strong>/, ''), FORMATTING, html);
    assert.ok(seen(html).includes(`Error: ${plain(error)}`), seen(html));
    assert.ok(seen(html).includes('Skipped: **busy** <i>x</i>'), seen(html));
    assert.ok(seen(html).includes('Archive: /b/we`ird [1](x).tar.gz'), seen(html));
    assert.ok(html.includes('<strong>#7 backup of My *db* [prod]</strong>'), html);
  });
});
