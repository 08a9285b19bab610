// package.json's user-facing strings are %key% placeholders resolved from package.nls.json, so a
// translation is one file (package.nls.<locale>.json). A key with no text would show as "%key%"
// in the UI; a text no key uses is dead weight for translators.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../../../..');
const readJson = (name: string) => JSON.parse(readFileSync(join(root, name), 'utf8'));

/** Every "%key%" string anywhere in a JSON value. */
function placeholders(value: unknown, out = new Set<string>()): Set<string> {
  if (typeof value === 'string') {
    const m = /^%(.+)%$/.exec(value);
    if (m) out.add(m[1]);
  } else if (Array.isArray(value)) value.forEach((v) => placeholders(v, out));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => placeholders(v, out));
  return out;
}

describe('package.nls.json', () => {
  const manifest = readJson('package.json');
  const nls: Record<string, unknown> = readJson('package.nls.json');
  const used = placeholders(manifest);

  it('has a non-empty text for every %key% in package.json', () => {
    assert.ok(used.size > 0, 'package.json uses %key% placeholders');
    const missing = [...used].filter((k) => typeof nls[k] !== 'string' || (nls[k] as string).trim() === '');
    assert.deepEqual(missing, []);
  });

  it('package.json has no plain user-facing text left (npm run nls moves new ones)', () => {
    const r = spawnSync(process.execPath, [join(root, 'scripts/nls-keys.mjs'), '--check'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  });

  it('has no key that package.json does not use', () => {
    assert.deepEqual(Object.keys(nls).filter((k) => !used.has(k)), []);
  });

  it('translations (package.nls.<locale>.json) only carry keys of package.nls.json', () => {
    for (const f of readdirSync(root).filter((n) => /^package\.nls\.[a-z-]+\.json$/i.test(n))) {
      assert.deepEqual(Object.keys(readJson(f)).filter((k) => !(k in nls)), [], f);
    }
  });
});
