// The Task Log page's Content-Security-Policy: nothing loads unless named, scripts only with the nonce.
import { strict as assert } from 'node:assert';
import { contentSecurityPolicy, makeNonce, taskLogHtml } from '../../../src/extension/ui/taskLogHtml';

describe('Task Log HTML', () => {
  const nonce = makeNonce();
  const page = taskLogHtml({ cspSource: 'https://x.vscode-cdn.net', scriptUri: 'https://x.vscode-cdn.net/dist/webview.js', nonce });

  it('has a strict policy: default none, scripts by nonce only, no unsafe-*', () => {
    const csp = contentSecurityPolicy('https://x.vscode-cdn.net', nonce);
    assert.match(csp, /^default-src 'none'; /);
    assert.ok(csp.includes(`script-src 'nonce-${nonce}'`));
    assert.ok(csp.includes(`style-src https://x.vscode-cdn.net 'nonce-${nonce}'`), 'styles: the bundle origin and nonce-carrying <style> only');
    assert.ok(page.includes(`<meta property="csp-nonce" content="${nonce}">`), 'FAST reads the style nonce from here');
    assert.doesNotMatch(csp, /unsafe-|\*/);
    assert.ok(page.includes(`content="${csp.replace(/'/g, "'")}"`));
  });

  it('loads only the bundle, carrying the nonce', () => {
    const scripts = page.match(/<script[^>]*>/g) ?? [];
    assert.equal(scripts.length, 1);
    assert.ok(scripts[0].includes(`nonce="${nonce}"`) && scripts[0].includes('src="https://x.vscode-cdn.net/dist/webview.js"'));
  });

  it('makes a fresh nonce each time', () => {
    assert.notEqual(makeNonce(), makeNonce());
    assert.ok(makeNonce().length >= 24);
  });
});
