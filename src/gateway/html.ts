/**
 * The simulator's HTML: the gateway's error page (naming the code, as the real gateway's page
 * does), the CSP-safe return form (no inline script: the page loads `witkey-autosubmit.js`, which
 * the gateway serves itself). Every value is HTML-escaped.
 * @module
 */
import { escapeHtml } from '../witkey/send.js';

/** Path (relative to `gateway.do`) of the script that submits the return form. */
export const AUTOSUBMIT_SCRIPT = 'witkey-autosubmit.js';

/** The script: submits the form marked `data-witkey-autosubmit`. Served with a long cache lifetime. */
export const AUTOSUBMIT_JS = "document.querySelectorAll('form[data-witkey-autosubmit]').forEach(function (f) { f.submit(); });\n";

const page = (title: string, body: string, charset = 'utf-8'): string =>
  `<!DOCTYPE html>\n<html><head><meta charset="${escapeHtml(charset)}"><title>${escapeHtml(title)}</title></head>\n<body>\n${body}\n</body></html>\n`;

/** @internal The error page for a failed gateway check. */
export function errorPage(code: string, message: string): string {
  return page(
    `Alipay gateway error: ${code}`,
    `<h1>支付宝网关错误 / Gateway error</h1>\n<p>错误代码 / error code: <strong id="error-code">${escapeHtml(code)}</strong></p>\n<p id="error-message">${escapeHtml(message)}</p>`,
  );
}

/**
 * @internal The return page: a POST form to `return_url` with `accept-charset` set to the request
 * charset and a `<noscript>`-free submit button, plus the external auto-submit script.
 * The page itself is UTF-8; the browser encodes the fields in `accept-charset`.
 */
export function returnFormPage(
  action: string,
  fields: Readonly<Record<string, string>>,
  charset: string,
  scriptSrc: string,
): string {
  const inputs = Object.entries(fields)
    .map(([n, v]) => `<input type="hidden" name="${escapeHtml(n)}" value="${escapeHtml(v)}">`)
    .join('\n');
  return page(
    'Returning to the partner site',
    `<form id="witkey-return" data-witkey-autosubmit action="${escapeHtml(action)}" method="post" accept-charset="${escapeHtml(charset)}">\n${inputs}\n<button type="submit">返回商户网站 / Return to the site</button>\n</form>\n<script src="${escapeHtml(scriptSrc)}"></script>`,
  );
}
