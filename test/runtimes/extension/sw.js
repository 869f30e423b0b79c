// MV3 extension service worker (a module worker): imports the library's service-worker build unbundled
// (dist/sw/index.js = `alipay-witkey/service-worker`, copied into the extension by
// scripts/runtimes/extension.mjs; the chunked dist/browser cannot load in a service worker, which may
// not call import()), runs the portable suite
// plus an extension scenario — sign a request, verify its signature, verify a signature made by
// OpenSSL and decode a GBK notification — and POSTs the JSON result to the loopback server named in report-config.js.

import { buildLeftAmountRequest, decodeNotification, importPrivateKey, importPublicKey, verifyParams } from './dist/sw/index.js';
import { REPORT_URL } from './report-config.js';
import { tests } from './test/portable/all.js';
import notify from './test/portable/generated/notify.js';
import params from './test/portable/generated/params.js';
import { noNodeGlobals, runAll } from './test/portable/run.js';

// CSP violations raised while the suite runs (the library must not, e.g., try WebAssembly under the
// default extension policy, which refuses it: Chrome lists each refusal among the extension's errors).
const violations = [];
self.addEventListener('securitypolicyviolation', (e) => violations.push(`${e.violatedDirective}: ${e.blockedURI}`));

const scenario = {
  name: 'extension: in the service worker, build and sign a request, verify it, an OpenSSL-signed parameter set and a GBK notification; no CSP violation on the way',
  async fn() {
    if (typeof ServiceWorkerGlobalScope !== 'function' || !(self instanceof ServiceWorkerGlobalScope))
      throw new Error('not a service worker');
    if (typeof chrome?.runtime?.id !== 'string') throw new Error('no chrome.runtime.id: not an extension context');
    const privateKey = importPrivateKey(params.key.pkcs8Pem);
    const publicKey = importPublicKey(params.key.spkiPem);
    const req = await buildLeftAmountRequest({
      partner: '2088101115793868',
      charset: 'utf-8',
      outerTaskId: 'ext-1',
      outerAccountId: 'task_publisher',
      transfers: [{ serial: 'e1', amount: '1.5', alipayUserId: '2088102116203708', nickName: '天之蓝' }],
      privateKey,
      notifyUrl: 'https://partner.example/notify',
      returnUrl: 'https://partner.example/return',
    });
    if (!verifyParams(req.fields, publicKey)) throw new Error('our own request does not verify');
    if (verifyParams({ ...req.fields, outer_task_id: 'ext-2' }, publicKey)) throw new Error('a tampered request verifies');
    const set = params.paramSets[0];
    if (!verifyParams({ ...set.params, sign: set.opensslSign, sign_type: 'DSA' }, publicKey))
      throw new Error('OpenSSL signature rejected');
    // A notification as the gateway sends it (GBK, OpenSSL-signed): the GBK table loads in the worker.
    const n = await decodeNotification(notify.leftGbk, {
      alipayPublicKey: importPublicKey(notify.alipayPublicPem),
      contentType: 'application/x-www-form-urlencoded; charset=GBK',
    });
    if (n.successBidders[0]?.nickName !== '天之蓝') throw new Error('GBK notification decoded wrongly');
    await new Promise((r) => setTimeout(r, 50)); // violation events are dispatched as tasks
    if (violations.length) throw new Error(`Content-Security-Policy violations: ${violations.join('; ')}`);
  },
};

async function main() {
  const extra = [noNodeGlobals, scenario];
  let body;
  try {
    body = {
      ...(await runAll({ extra })),
      total: tests.length + extra.length,
      runtime: `MV3 service worker (${navigator.userAgent})`,
    };
  } catch (e) {
    body = { crash: String(e?.stack ?? e) };
  }
  await fetch(REPORT_URL, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}
main();
