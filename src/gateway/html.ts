/**
 * The simulator's HTML: the gateway's error page (naming the code, as the real gateway's page
 * does), the CSP-safe return form (no inline script: the page loads `witkey-autosubmit.js`, which
 * the gateway serves itself), and the inspection page. Every value is HTML-escaped.
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

function table(list: ReadonlyArray<object>, columns: readonly string[]): string {
  if (list.length === 0) return '<p>(none)</p>';
  const rows = list as ReadonlyArray<Record<string, unknown>>;
  const head = columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const body = rows
    .map(
      (r) =>
        `<tr>${columns.map((c) => `<td>${escapeHtml(r[c] === undefined ? '' : typeof r[c] === 'object' ? JSON.stringify(r[c]) : String(r[c]))}</td>`).join('')}</tr>`,
    )
    .join('\n');
  return `<table border="1" cellpadding="3"><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** @internal The inspection page: tasks, transfers, the SMS outbox, notifications and every attempt. */
export function inspectPage(s: {
  tasks: ReadonlyArray<object>;
  transfers: ReadonlyArray<object>;
  sms: ReadonlyArray<object>;
  notifications: ReadonlyArray<object>;
  attempts: ReadonlyArray<object>;
  balances: ReadonlyArray<object>;
}): string {
  return page(
    'Witkey gateway simulator',
    [
      '<h1>Witkey gateway simulator</h1><p>JSON: <a href="inspect">inspect</a></p>',
      '<h2>Tasks</h2>',
      table(s.tasks, ['outerTaskId', 'partner', 'publisher', 'frozen', 'paid', 'remaining', 'expiresAt']),
      '<h2>Transfers</h2>',
      table(s.transfers, [
        'alipayTransferNo',
        'kind',
        'outerTaskId',
        'serial',
        'payee',
        'nickName',
        'amount',
        'fee',
        'status',
        'errorCode',
        'settledAt',
      ]),
      '<h2>Balances</h2>',
      table(s.balances, ['account', 'amount']),
      '<h2>SMS outbox</h2>',
      table(s.sms, ['time', 'to', 'mobile', 'text']),
      '<h2>Notifications</h2>',
      table(s.notifications, ['notifyId', 'kind', 'outerTaskId', 'url', 'charset', 'status', 'attempts', 'nextAt', 'notes']),
      '<h2>Delivery attempts</h2>',
      table(s.attempts, ['notifyId', 'attempt', 'time', 'outcome', 'status', 'body', 'error', 'duplicate']),
    ].join('\n'),
  );
}
