import * as assert from 'node:assert/strict';
import { comparisonHtml, contentSecurityPolicy, escapeAttribute, makeNonce, resultsHtml } from '../../src/results/webview-html';

describe('results webview page', function () {
  const parts = {
    cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
    nonce: 'abc123',
    scriptUri: 'https://x/results.js?a=1&b="2"',
    styleUri: 'https://x/results.css',
    title: 'Results <orders.sql>',
  };

  it('allows scripts only with the nonce and styles only from the extension or with the nonce', function () {
    assert.equal(
      contentSecurityPolicy(parts.cspSource, parts.nonce),
      "default-src 'none'; img-src https://file+.vscode-resource.vscode-cdn.net data:; font-src https://file+.vscode-resource.vscode-cdn.net; style-src https://file+.vscode-resource.vscode-cdn.net 'nonce-abc123'; script-src 'nonce-abc123';",
    );
  });

  it('puts the CSP, the stylesheet, the nonce on <body> and the script in the page, escaped', function () {
    const html = resultsHtml(parts);
    assert.ok(html.includes(`<meta http-equiv="Content-Security-Policy" content="${escapeAttribute(contentSecurityPolicy(parts.cspSource, parts.nonce))}">`));
    assert.ok(html.includes('<link rel="stylesheet" href="https://x/results.css">'));
    assert.ok(html.includes('<body data-nonce="abc123">'));
    assert.ok(html.includes('<script nonce="abc123" src="https://x/results.js?a=1&amp;b=&quot;2&quot;"></script>'));
    assert.ok(html.includes('<title>Results &lt;orders.sql&gt;</title>'));
    assert.equal(escapeAttribute(`"'<>&`), '&quot;&#39;&lt;&gt;&amp;');
  });

  it('builds the comparison page under the same CSP, with its own bundle and an escaped title', function () {
    const html = comparisonHtml({ ...parts, scriptUri: 'https://x/comparison.js', styleUri: 'https://x/comparison.css', title: 'Compare <orders.sql>' });
    assert.ok(html.includes(`<meta http-equiv="Content-Security-Policy" content="${escapeAttribute(contentSecurityPolicy(parts.cspSource, parts.nonce))}">`));
    assert.ok(html.includes('<link rel="stylesheet" href="https://x/comparison.css">'));
    assert.ok(html.includes('<script nonce="abc123" src="https://x/comparison.js"></script>'));
    assert.ok(html.includes('<title>Compare &lt;orders.sql&gt;</title>'));
  });

  it('makes a fresh 128-bit nonce each time', function () {
    const nonces = new Set(Array.from({ length: 50 }, () => makeNonce()));
    assert.equal(nonces.size, 50);
    for (const nonce of nonces) assert.match(nonce, /^[A-Za-z0-9_-]{22}$/);
  });
});
