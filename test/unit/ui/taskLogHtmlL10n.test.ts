// The Task Log page carries the user's language and the translated messages as data: a message
// with markup in it stays inside the attribute value, and the page still has one script, the bundle.
import { strict as assert } from 'node:assert';
import { makeNonce, taskLogHtml } from '../../../src/extension/ui/taskLogHtml';

describe('Task Log HTML: language and translations', () => {
  const bundle = { Status: 'Zustand', 'x"><script>alert(1)</script>': '"&<' };
  const page = taskLogHtml({ cspSource: 'https://x', scriptUri: 'https://x/dist/webview.js', nonce: makeNonce(), language: 'de', l10nBundle: bundle });

  it('sets <html lang> to the UI language', () => {
    assert.match(page, /<html lang="de">/);
  });

  it('puts the bundle into <meta name="bs-l10n"> escaped, so it reads back exactly and injects nothing', () => {
    const m = /<meta name="bs-l10n" content="([^"]*)">/.exec(page);
    assert.ok(m, 'the meta element is there');
    const unescaped = m[1].replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&amp;/g, '&');
    assert.deepEqual(JSON.parse(unescaped), bundle);
    assert.equal((page.match(/<script/g) ?? []).length, 1);
  });

  it('in English (no bundle) the page carries an empty one', () => {
    const en = taskLogHtml({ cspSource: 'https://x', scriptUri: 'https://x/dist/webview.js', nonce: makeNonce() });
    assert.match(en, /<html lang="en">/);
    assert.match(en, /<meta name="bs-l10n" content="\{\}">/);
  });
});
