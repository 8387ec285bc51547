/**
 * The webview pages (results, and the comparison of Compare as…): a strict CSP (scripts only with
 * the page's nonce, styles from the extension or with the nonce, nothing else) and a bundle built
 * from src/webview. Pure, so the host and the webview tests serve the very same pages.
 */
import { randomBytes } from 'node:crypto';

export interface WebviewPageParts {
  /** The webview's `cspSource` (the origin that asWebviewUri URLs load from). */
  readonly cspSource: string;
  readonly nonce: string;
  readonly scriptUri: string;
  readonly styleUri: string;
  readonly title: string;
}

/** A nonce of 128 random bits, fresh for every page. */
export function makeNonce(): string {
  return randomBytes(16).toString('base64url');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ') + ';';
}

export function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/'/g, '&#39;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The results page; its body carries the nonce, for the <style> elements SlickGrid creates. */
export function resultsHtml(parts: WebviewPageParts): string {
  return pageHtml(parts, ` data-nonce="${escapeAttribute(parts.nonce)}"`);
}

/** The comparison page (Compare as…): it creates no <style> elements, so it needs no nonce in the body. */
export function comparisonHtml(parts: WebviewPageParts): string {
  return pageHtml(parts, '');
}

/** `bodyAttributes`: already escaped, with a leading space. */
function pageHtml(parts: WebviewPageParts, bodyAttributes: string): string {
  const csp = escapeAttribute(contentSecurityPolicy(parts.cspSource, parts.nonce));
  const nonce = escapeAttribute(parts.nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeAttribute(parts.title)}</title>
<link rel="stylesheet" href="${escapeAttribute(parts.styleUri)}">
</head>
<body${bodyAttributes}>
<script nonce="${nonce}" src="${escapeAttribute(parts.scriptUri)}"></script>
</body>
</html>
`;
}
