// Debian's Chromium and Firefox ESR are used by the browser tests; no tool downloads a browser.
module.exports = { skipDownload: true };
