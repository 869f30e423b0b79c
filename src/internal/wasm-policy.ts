/**
 * Where WebAssembly must not even be tried: shared by the GBK decode loop (charset/gbk-wasm.ts) and
 * the DSA arithmetic (dsa/mont.ts), which both fall back to JavaScript there.
 * @module
 */

/**
 * In a browser extension (Chrome, Firefox: `chrome.runtime.getManifest()`), whether its
 * Content-Security-Policy refuses WebAssembly: the default policies of Manifest V2 and V3 do, and
 * a refused compilation is not only an exception but a CSP violation that the browser lists among
 * the extension's errors. So it is not even tried there unless the manifest's policy allows
 * `'wasm-unsafe-eval'` (or `'unsafe-eval'`, MV2).
 */
export function extensionRefusesWasm(): boolean {
  type Manifest = { content_security_policy?: string | { extension_pages?: string } };
  const runtime = (globalThis as { chrome?: { runtime?: { id?: unknown; getManifest?: () => Manifest } } }).chrome?.runtime;
  if (!runtime || typeof runtime.id !== 'string' || typeof runtime.getManifest !== 'function') return false;
  let policy: string | undefined;
  try {
    const csp = runtime.getManifest().content_security_policy;
    policy = typeof csp === 'string' ? csp : csp?.extension_pages;
  } catch {
    return false;
  }
  return policy === undefined || !/'(?:wasm-unsafe-eval|unsafe-eval)'/.test(policy);
}
