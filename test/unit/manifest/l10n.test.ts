// The extension's messages go through l10n.t() with literal messages, so `npm run l10n` can list
// them in l10n/bundle.l10n.json (English), the file a translator copies to bundle.l10n.<locale>.json.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../../../..');
const l10nDir = join(root, 'l10n');
const placeholders = (s: string) => [...s.matchAll(/\{(\d+)\}/g)].map((m) => m[1]).sort();

describe('l10n bundle', () => {
  it('package.json points VS Code at l10n/', () => {
    assert.equal(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).l10n, './l10n');
  });

  let english: Record<string, string> = {};

  it('every l10n.t() call has a literal message, so the English bundle lists them all', () => {
    const r = spawnSync(process.execPath, [join(root, 'scripts/l10n-export.mjs'), '--print'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    english = JSON.parse(r.stdout);
    // The host's and the webview's messages are both in it.
    for (const m of ['Task Log', 'Backup Scheduler: exported {0} tasks to {1}.']) assert.ok(m in english, m);
  });

  it('translations carry only known messages, each with the same {n} placeholders', () => {
    assert.ok(Object.keys(english).length > 0, 'the previous test read the bundle');
    for (const f of (existsSync(l10nDir) ? readdirSync(l10nDir) : []).filter((n) => /^bundle\.l10n\.[a-z-]+\.json$/i.test(n))) {
      const t: Record<string, string> = JSON.parse(readFileSync(join(l10nDir, f), 'utf8'));
      for (const [key, text] of Object.entries(t)) {
        assert.ok(key in english, `${f}: unknown message ${JSON.stringify(key)}`);
        assert.deepEqual(placeholders(text), placeholders(key), `${f}: ${JSON.stringify(key)}`);
      }
    }
  });

  it('the adapter layer shows no hard-coded English: messages, titles, prompts and placeholders go through l10n.t', () => {
    // A string literal right where VS Code shows text to the user; the core (no vscode) is exempt.
    const shown = /show(Information|Warning|Error)Message\(\s*['"`]|\b(title|placeHolder|placeholder|prompt|openLabel|validationMessage|tooltip)\s*[:=]\s*['"`][A-Z]/;
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) { if (e.name !== 'core') walk(p); continue; }
        if (!p.endsWith('.ts')) continue;
        readFileSync(p, 'utf8').split('\n').forEach((line, i) => {
          if (!/^\s*(\/\/|\*)/.test(line) && shown.test(line)) offenders.push(`${p.slice(root.length + 1)}:${i + 1}: ${line.trim()}`);
        });
      }
    };
    walk(join(root, 'src/extension'));
    assert.deepEqual(offenders, []);
  });
});
