// Web Test Runner configuration for the portable suite in one browser per run, chosen by WTR_BROWSER
// (chromium | firefox | webkit). Started by scripts/runtimes/run.mjs, which sets WTR_PORT (a free
// port), WTR_RESULT_FILE (where the JSON reporter below writes the outcome) and, for WebKit,
// WEBDRIVER_PORT (a WebKitWebDriver it started under xvfb-run). No launcher downloads a browser:
// Debian's chromium / firefox-esr / webkit2gtk-driver are used.
import { writeFileSync } from 'node:fs';
import { defaultReporter } from '@web/test-runner';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

async function browser(name) {
  if (name === 'chromium') {
    const { chromeLauncher } = await import('@web/test-runner-chrome');
    return chromeLauncher({
      launchOptions: { executablePath: process.env.CHROME_PATH || '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS },
    });
  }
  if (name === 'firefox') {
    const { puppeteerLauncher } = await import('@web/test-runner-puppeteer');
    return puppeteerLauncher({
      launchOptions: { browser: 'firefox', executablePath: process.env.FIREFOX_PATH || '/usr/bin/firefox-esr', headless: true },
    });
  }
  if (name === 'webkit') {
    const { webdriverLauncher } = await import('@web/test-runner-webdriver');
    return webdriverLauncher({
      automationProtocol: 'webdriver',
      hostname: '127.0.0.1',
      port: Number(process.env.WEBDRIVER_PORT),
      path: '/',
      logLevel: 'error',
      capabilities: { browserName: 'MiniBrowser', 'wdio:enforceWebDriverClassic': true },
    });
  }
  throw new Error(`WTR_BROWSER must be chromium, firefox or webkit, not ${name}`);
}

/** Writes every test's outcome, the browser's PORTABLE-RESULT line and session errors to WTR_RESULT_FILE. */
function jsonReporter(file) {
  return {
    onTestRunFinished({ sessions }) {
      const out = { passed: 0, failed: 0, failures: [], sessionErrors: [], resultLines: [] };
      const walk = (suite) => {
        for (const t of suite.tests) {
          if (t.passed) out.passed++;
          else {
            out.failed++;
            out.failures.push({ name: t.name, error: t.error?.message ?? (t.skipped ? 'skipped' : 'failed') });
          }
        }
        for (const s of suite.suites) walk(s);
      };
      for (const s of sessions) {
        if (s.testResults) walk(s.testResults);
        for (const e of s.errors) out.sessionErrors.push(e.message);
        for (const args of s.logs)
          for (const a of args) if (typeof a === 'string' && a.startsWith('PORTABLE-RESULT ')) out.resultLines.push(a);
      }
      if (file) writeFileSync(file, JSON.stringify(out));
    },
  };
}

export default {
  rootDir: new URL('../..', import.meta.url).pathname,
  files: ['test/runtimes/browser.test.js'],
  port: Number(process.env.WTR_PORT) || 8000,
  concurrency: 1,
  browsers: [await browser(process.env.WTR_BROWSER || 'chromium')],
  testFramework: { config: { timeout: 600_000 } },
  testsStartTimeout: 120_000,
  testsFinishTimeout: 600_000,
  browserStartTimeout: 120_000,
  reporters: [defaultReporter({ reportTestResults: true, reportTestProgress: false }), jsonReporter(process.env.WTR_RESULT_FILE)],
};
