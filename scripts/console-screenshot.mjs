// Makes docs/console.png: the simulator's web console in the middle of a flow, in Debian's Chromium.
// A simulator and a partner endpoint (which fails the first delivery it gets) listen on loopback; the
// protocol's sample request (a refund, a platform share, three bounty payments) is sent, transfers settle,
// the failed notification is delivered again from the console, and the page is captured with that
// notification open. The simulator's clock starts at a fixed time so the picture is stable.
//   npm run build && node scripts/console-screenshot.mjs [out.png]
// The committed picture was then quantised (`pngquant --quality 80-95 --strip`, Debian's pngquant): 610 → 195 KB.
import { once } from 'node:events';
import { createServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';
import { createGateway } from '../dist/esm/gateway.js';
import { buildLeftAmountRequest, createNotifyHandler, toFetchRequest } from '../dist/esm/index.js';
import { toNodeHandler } from '../dist/node/index.js';
import { baseConfig, sampleInput, simulatorKeys } from '../test/support/gateway-fixtures.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const out = process.argv[2] ?? path.join(root, 'docs', 'console.png');
const START = Date.UTC(2026, 11, 2, 11, 5, 6); // 2026-12-02 19:05:06 in Beijing
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function listen(handler) {
  const server = createServer(toNodeHandler(handler));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${server.address().port}` };
}

let first = true;
let failedId;
const notify = createNotifyHandler({
  alipayPublicKey: simulatorKeys.key.publicKey,
  verifyWithGateway: false,
  onNotification(n) {
    if (first) {
      first = false;
      failedId = n.notifyId;
      throw new Error('database down');
    }
  },
});
const partner = await listen(notify);
const t0 = Date.now();
const gw = createGateway(
  baseConfig({
    now: () => START + (Date.now() - t0),
    autoRun: true,
    settleDelay: 1500,
    tasks: baseConfig().tasks.map((t) => ({
      ...t,
      expiresAt: t.outerTaskId === 'T1' ? START - 86_400_000 : START + 7 * 86_400_000,
    })),
  }),
);
const sim = await listen(gw.fetch);
const input = sampleInput({
  notifyUrl: `${partner.url}/notify`,
  returnUrl: `${partner.url}/return`,
  gateway: `${sim.url}/gateway.do`,
});
await fetch(toFetchRequest(await buildLeftAmountRequest(input)), { redirect: 'manual' });
await sleep(2500); // the transfers settle and their notifications go out

const browser = await puppeteer.launch({
  executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-quic',
    '--no-first-run',
  ],
});
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1440, height: 1100, deviceScaleFactor: 1 });
  await page.goto(`${sim.url}/?lang=en`, { waitUntil: 'load' });
  const item = `[data-testid="timeline-item"][data-id="${failedId}"]`;
  await page.waitForSelector(item);
  await page.click(item);
  await page.waitForSelector('[data-testid="attempt-row"]');
  await page.click('[data-testid="btn-redeliver"]');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="attempt-row"]').length === 2);
  await page.click('[data-testid="btn-delay"]'); // a fault in force, shown in its panel
  await sleep(1500);
  await page.screenshot({ path: out, fullPage: true });
  console.log(`wrote ${path.relative(process.cwd(), out)}`);
} finally {
  await browser.close();
  await gw.close();
  sim.server.closeAllConnections();
  partner.server.closeAllConnections();
  sim.server.close();
  partner.server.close();
}
