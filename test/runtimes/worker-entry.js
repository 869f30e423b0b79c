// workerd (Cloudflare Workers) entry of the portable suite: a fetch handler that runs every portable
// test and answers with the JSON result. Loaded unbundled by miniflare — the browser build's own
// modules and chunks, with its lazy import()s — and WITHOUT nodejs_compat.
import { runPortable, total } from './loop-entry.js';

export default {
  async fetch() {
    const result = await runPortable();
    return Response.json({ ...result, total, runtime: `workerd (${navigator.userAgent})` });
  },
};
