/**
 * Two ways to send a signed request: a CSP-safe HTML form for the user's browser (the interface is a
 * page interface: the gateway answers the browser and later redirects it to `return_url`), and a
 * `fetch` `Request` (for servers, tests and the local gateway simulator).
 * @module
 */

/** What both senders need from a signed request. */
export interface SendableRequest {
  readonly action: string;
  readonly method: 'POST';
  readonly charset: string;
  readonly fields: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
  readonly contentType: string;
}

/** Options of {@link renderForm}. */
export interface RenderFormOptions {
  /** `id` of the form element. Default `alipay-witkey-form`. */
  id?: string;
  /** Label of the submit button. Default `Continue to Alipay`. */
  submitLabel?: string;
  /** Adds an inline `<script>` that submits the form. Off by default: CSPs (and extension pages) forbid inline script. */
  autoSubmit?: boolean;
  /** CSP nonce for the auto-submit script. */
  nonce?: string;
  /** The form's `target` (e.g. `_blank`). */
  target?: string;
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** @internal HTML-escapes text for element content and quoted attribute values. */
export function escapeHtml(s: string): string {
  return String(s).replace(/[&<>"']/g, (c) => ESC[c]!);
}

/**
 * Renders the request as an HTML `<form>` of hidden fields with `accept-charset` set to the request
 * charset, so that the browser's own encoder (WHATWG GBK, the same as this library's) produces the
 * signed bytes. Everything is HTML-escaped; there is no inline script, style or event handler unless
 * `autoSubmit` is asked for (then one `<script>`, with `nonce` if given).
 * @example
 * element.innerHTML = renderForm(req); // user clicks "Continue to Alipay"
 * // or, with a strict CSP: renderForm(req, { autoSubmit: true, nonce })
 */
export function renderForm(req: SendableRequest, options: RenderFormOptions = {}): string {
  const id = options.id ?? 'alipay-witkey-form';
  const attrs = [
    `id="${escapeHtml(id)}"`,
    `action="${escapeHtml(req.action)}"`,
    'method="post"',
    'enctype="application/x-www-form-urlencoded"',
    `accept-charset="${escapeHtml(req.charset)}"`,
  ];
  if (options.target !== undefined) attrs.push(`target="${escapeHtml(options.target)}"`);
  const inputs = Object.entries(req.fields).map(
    ([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`,
  );
  let html = `<form ${attrs.join(' ')}>\n${inputs.join('\n')}\n<button type="submit">${escapeHtml(options.submitLabel ?? 'Continue to Alipay')}</button>\n</form>`;
  if (options.autoSubmit) {
    const nonce = options.nonce === undefined ? '' : ` nonce="${escapeHtml(options.nonce)}"`;
    // JSON.stringify plus escaping of '<' keeps the id from closing the script element.
    const idJs = JSON.stringify(id).replace(/</g, '\\u003c');
    html += `\n<script${nonce}>document.getElementById(${idJs}).submit();</script>`;
  }
  return html;
}

/**
 * Makes a `fetch` `Request` posting the urlencoded body. Redirects are not followed by default
 * (`redirect: 'manual'`), since the gateway answers a page interface with redirects for the browser.
 * @example
 * const res = await fetch(toFetchRequest(req));
 */
export function toFetchRequest(req: SendableRequest, init: RequestInit = {}): Request {
  const headers = new Headers(init.headers);
  headers.set('content-type', req.contentType);
  return new Request(req.action, { redirect: 'manual', ...init, method: 'POST', headers, body: req.body.slice() });
}
