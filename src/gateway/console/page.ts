/**
 * The console's HTML page: a shell that `console/app.js` fills in from `console/api/state`. No
 * inline script or style (the page is served with a strict Content-Security-Policy); every label
 * carries `data-i18n`, translated by app.js from its one dictionary.
 * @module
 */

/** @internal The page served at `/`. Paths are relative, so the simulator may be mounted under a prefix. */
export const CONSOLE_HTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Witkey gateway simulator</title>
<link rel="icon" href="data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22 viewBox=%220 0 16 16%22%3E%3Crect width=%2216%22 height=%2216%22 rx=%223%22 fill=%22%231677ff%22/%3E%3C/svg%3E">
<link rel="stylesheet" href="console/app.css">
<script src="console/app.js" defer></script>
</head>
<body>
<header class="top">
  <h1 data-i18n="title">Witkey gateway simulator</h1>
  <nav class="tabs" role="tablist">
    <button type="button" role="tab" class="tab" data-tab="timeline" data-testid="tab-timeline" data-i18n="tabTimeline">Timeline</button>
    <button type="button" role="tab" class="tab" data-tab="doctor" data-testid="tab-doctor" data-i18n="tabDoctor">Signature doctor</button>
  </nav>
  <div class="clock">
    <span data-i18n="now">Simulator time</span> <strong data-testid="now">…</strong> <span class="muted">(UTC+8)</span>
    <label class="inline"><input type="number" min="0" step="1" value="2" data-testid="advance-minutes" aria-label="minutes"> <span data-i18n="minutes">min</span></label>
    <button type="button" data-testid="btn-advance" data-i18n="advance">Advance clock</button>
  </div>
  <button type="button" class="lang" data-testid="lang-toggle">中文</button>
</header>
<p class="status" data-testid="status" role="status"></p>
<main>
<section id="view-timeline" class="view">
  <div class="split">
    <div class="card list">
      <h2 data-i18n="timeline">Requests and notifications</h2>
      <p class="muted" data-testid="timeline-empty" data-i18n="timelineEmpty">Nothing yet: send a request to gateway.do.</p>
      <ol class="timeline" data-testid="timeline"></ol>
    </div>
    <div class="card detail" data-testid="detail">
      <p class="muted" data-testid="detail-empty" data-i18n="pick">Pick a notification to see its attempts, XML, fields and signature.</p>
      <div data-testid="detail-body" hidden>
        <h2><span data-testid="detail-kind"></span> <span class="badge" data-testid="detail-status"></span></h2>
        <dl class="facts" data-testid="detail-facts"></dl>
        <div class="actions">
          <button type="button" class="primary" data-testid="btn-redeliver" data-i18n="redeliver">Deliver again now</button>
          <button type="button" data-testid="btn-fail" data-i18n="failNext">Fail next</button>
          <button type="button" data-testid="btn-drop" data-i18n="dropNext">Drop next</button>
          <button type="button" data-testid="btn-delay" data-i18n="delayNext">Delay next</button>
          <button type="button" data-testid="btn-advance-detail" data-i18n="advance">Advance clock</button>
        </div>
        <h3 data-i18n="attempts">Attempts</h3>
        <table class="grid"><thead><tr>
          <th>#</th><th data-i18n="time">Time</th><th data-i18n="outcome">Outcome</th><th data-i18n="httpStatus">HTTP status</th>
          <th data-i18n="latency">Latency</th><th data-i18n="answer">Answer (first bytes)</th><th data-i18n="why">Why it failed</th>
        </tr></thead><tbody data-testid="attempts"></tbody></table>
        <p class="muted" data-testid="next-attempt"></p>
        <h3 data-i18n="doctorVerdict">Signature of the partner's request</h3>
        <div class="verdict" data-testid="request-verdict"></div>
        <h3 data-i18n="fields">Form fields</h3>
        <table class="grid kv"><tbody data-testid="fields"></tbody></table>
        <h3 data-i18n="canonical">Canonical string (signed)</h3>
        <pre data-testid="canonical"></pre>
        <h3>XML</h3>
        <pre data-testid="xml"></pre>
      </div>
    </div>
  </div>
  <div class="panels">
    <div class="card wide"><h2 data-i18n="tasks">Tasks</h2><table class="grid"><thead><tr>
      <th data-i18n="task">Task</th><th data-i18n="partner">Partner</th><th data-i18n="publisher">Publisher</th><th data-i18n="frozen">Frozen</th>
      <th data-i18n="paid">Paid</th><th data-i18n="remaining">Remaining</th><th data-i18n="expires">Expires</th></tr></thead><tbody data-testid="tasks"></tbody></table></div>
    <div class="card wide"><h2 data-i18n="transfers">Transfers</h2><table class="grid"><thead><tr>
      <th data-i18n="transferNo">Transfer no.</th><th data-i18n="kind">Kind</th><th data-i18n="payee">Payee</th><th data-i18n="amount">Amount</th>
      <th data-i18n="fee">Fee</th><th data-i18n="state">State</th><th data-i18n="settles">Settles</th></tr></thead><tbody data-testid="transfers"></tbody></table></div>
    <div class="card"><h2 data-i18n="balances">Balances</h2><table class="grid"><thead><tr>
      <th data-i18n="account">Account</th><th data-i18n="amount">Amount</th></tr></thead><tbody data-testid="balances"></tbody></table></div>
    <div class="card"><h2 data-i18n="sms">SMS outbox</h2><table class="grid"><thead><tr>
      <th data-i18n="time">Time</th><th data-i18n="to">To</th><th data-i18n="text">Text</th></tr></thead><tbody data-testid="sms"></tbody></table></div>
    <div class="card"><h2 data-i18n="faults">Faults in force</h2><table class="grid"><thead><tr>
      <th data-i18n="action">Action</th><th data-i18n="appliesTo">Applies to</th><th data-i18n="left">Uses left</th></tr></thead><tbody data-testid="faults"></tbody></table></div>
  </div>
</section>
<section id="view-doctor" class="view" hidden>
  <div class="card doctor">
    <h2 data-i18n="tabDoctor">Signature doctor</h2>
    <p class="muted" data-i18n="doctorHelp">Paste an urlencoded body (or one name=value per line), pick the partner whose key should verify it or paste a public key, and see why the signature fails.</p>
    <label><span data-i18n="doctorInput">Body or parameters</span>
      <textarea rows="6" data-testid="doctor-input" spellcheck="false"></textarea></label>
    <div class="row">
      <label><span data-i18n="partner">Partner</span> <select data-testid="doctor-partner"></select></label>
      <label class="grow"><span data-i18n="orKey">or public key (PEM)</span>
        <textarea rows="3" data-testid="doctor-key" spellcheck="false"></textarea></label>
    </div>
    <button type="button" class="primary" data-testid="doctor-run" data-i18n="diagnose">Diagnose</button>
    <div class="verdict" data-testid="doctor-result"></div>
  </div>
</section>
</main>
</body>
</html>
`;
