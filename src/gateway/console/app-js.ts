/**
 * The console's script (served as `console/app.js`): hand-written, no framework, no build step. It polls
 * `console/api/state` every second and renders the timeline, the selected notification and the panels
 * with DOM calls only (text is never parsed as HTML), binds the buttons to the JSON API, and translates
 * every label from its one dictionary (`?lang=zh|en`, default from `navigator.language`). CSP-safe:
 * no inline code, no `eval`.
 * @module
 */

/** @internal */
export const CONSOLE_JS = String.raw`
'use strict';
(function () {
  var I18N = {
    en: {
      title: 'Witkey gateway simulator', tabTimeline: 'Timeline', tabDoctor: 'Signature doctor', now: 'Simulator time',
      minutes: 'min', advance: 'Advance clock', timeline: 'Requests and notifications',
      timelineEmpty: 'Nothing yet: send a request to gateway.do.',
      pick: 'Pick a notification to see its attempts, XML, fields and signature.',
      redeliver: 'Deliver again now', failNext: 'Fail next', dropNext: 'Drop next', delayNext: 'Delay next',
      attempts: 'Attempts', time: 'Time', outcome: 'Outcome', httpStatus: 'HTTP status', latency: 'Latency',
      answer: 'Answer (first bytes)', why: 'Why it failed', doctorVerdict: "Signature of the partner's request",
      fields: 'Form fields', canonical: 'Canonical string (signed)', tasks: 'Tasks', task: 'Task', partner: 'Partner',
      publisher: 'Publisher', frozen: 'Frozen', paid: 'Paid', remaining: 'Remaining', expires: 'Expires',
      transfers: 'Transfers', transferNo: 'Transfer no.', kind: 'Kind', payee: 'Payee', amount: 'Amount', fee: 'Fee',
      state: 'State', settles: 'Settles', balances: 'Balances', account: 'Account', sms: 'SMS outbox', to: 'To',
      text: 'Text', faults: 'Faults in force', action: 'Action', appliesTo: 'Applies to', left: 'Uses left',
      doctorHelp: 'Paste an urlencoded body (or one name=value per line), pick the partner whose key should verify it or paste a public key, and see why the signature fails.',
      doctorInput: 'Body or parameters', orKey: 'or public key (PEM)', diagnose: 'Diagnose',
      request: 'Request', notification: 'Notification', anyPartner: 'any partner', nextAttempt: 'Next attempt',
      notifyId: 'notify_id', url: 'URL', charset: 'Charset', created: 'Created', delivered: 'Delivered', notes: 'Notes',
      message: 'Message', bytes: 'Signed bytes (hex)', variant: 'Variant', noVerdict: 'No verdict',
      noneYet: 'No attempt yet.', redelivered: 'One more attempt made.', faultAdded: 'Fault added for the next delivery.',
      advanced: 'Clock advanced', delayPrompt: 'Delay (minutes)', offline: 'The simulator does not answer',
      attemptsN: 'attempts', expired: 'expired', open: 'open', always: 'always', none: 'none',
      status_pending: 'pending', status_held: 'held', status_delivered: 'delivered', status_failed: 'given up',
      outcome_success: 'success', outcome_failed: 'failed', outcome_dropped: 'dropped', outcome_sending: 'sending', outcome_interrupted: 'interrupted'
    },
    zh: {
      title: '威客网关模拟器', tabTimeline: '时间线', tabDoctor: '签名诊断', now: '模拟器时间',
      minutes: '分钟', advance: '拨快时钟', timeline: '请求与通知',
      timelineEmpty: '暂无记录：请向 gateway.do 发送请求。',
      pick: '选择一条通知，查看其投递记录、XML、字段与签名。',
      redeliver: '立即重新投递', failNext: '下次投递失败', dropNext: '丢弃下次投递', delayNext: '延迟下次投递',
      attempts: '投递记录', time: '时间', outcome: '结果', httpStatus: 'HTTP 状态', latency: '耗时',
      answer: '应答（前若干字节）', why: '失败原因', doctorVerdict: '合作伙伴请求的签名',
      fields: '表单字段', canonical: '待签名字符串', tasks: '任务', task: '任务', partner: '合作伙伴',
      publisher: '发布者', frozen: '冻结金额', paid: '已支付', remaining: '剩余', expires: '到期时间',
      transfers: '转账', transferNo: '转账流水号', kind: '类型', payee: '收款人', amount: '金额', fee: '手续费',
      state: '状态', settles: '结算时间', balances: '账户余额', account: '账户', sms: '短信发件箱', to: '收件人',
      text: '内容', faults: '生效中的故障', action: '动作', appliesTo: '适用于', left: '剩余次数',
      doctorHelp: '粘贴 urlencoded 请求体（或每行一个 name=value），选择应验证它的合作伙伴或粘贴公钥，查看签名失败的原因。',
      doctorInput: '请求体或参数', orKey: '或公钥（PEM）', diagnose: '诊断',
      request: '请求', notification: '通知', anyPartner: '任意合作伙伴', nextAttempt: '下次投递',
      notifyId: '通知 ID', url: '地址', charset: '字符集', created: '创建时间', delivered: '送达时间', notes: '备注',
      message: '说明', bytes: '签名字节（十六进制）', variant: '变体', noVerdict: '无诊断结果',
      noneYet: '尚未投递。', redelivered: '已再投递一次。', faultAdded: '已为下次投递添加故障。',
      advanced: '时钟已拨快', delayPrompt: '延迟（分钟）', offline: '模拟器无响应',
      attemptsN: '次投递', expired: '已到期', open: '未到期', always: '始终', none: '无',
      status_pending: '待投递', status_held: '暂缓', status_delivered: '已送达', status_failed: '已放弃',
      outcome_success: '成功', outcome_failed: '失败', outcome_dropped: '已丢弃', outcome_sending: '发送中', outcome_interrupted: '已中断'
    }
  };

  var params = new URLSearchParams(location.search);
  var lang = params.get('lang');
  if (lang !== 'zh' && lang !== 'en') lang = /^zh\b/i.test(navigator.language || '') ? 'zh' : 'en';
  var data = null;
  var selected = null;
  var shown = {};
  var tab = 'timeline';

  function t(key) { return (I18N[lang] && I18N[lang][key]) || I18N.en[key] || key; }
  function $(id) { return document.querySelector('[data-testid="' + id + '"]'); }
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) {
      if (k === 'text') e.textContent = attrs[k];
      else if (k === 'cls') e.className = attrs[k];
      else e.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c !== null && c !== undefined) e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return e;
  }
  function badge(value, label) { return el('span', { cls: 'badge s-' + String(value).split(' ')[0], text: label || String(value) }); }
  function status(msg, isError) {
    var s = $('status');
    s.textContent = msg || '';
    s.className = 'status' + (isError ? ' error' : '');
  }
  function fill(tbody, rows) {
    var key = JSON.stringify(rows) + lang;
    if (shown[tbody] === key) return;
    shown[tbody] = key;
    var body = $(tbody);
    body.textContent = '';
    rows.forEach(function (cells) {
      body.appendChild(el('tr', null, cells.map(function (c) {
        if (c && typeof c === 'object' && c.nodeType) return el('td', null, [c]);
        if (c && typeof c === 'object') return el('td', { cls: c.cls || '', text: c.text });
        return el('td', { text: c === undefined ? '' : String(c) });
      })));
    });
  }

  function applyLang() {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    document.title = t('title');
    document.querySelectorAll('[data-i18n]').forEach(function (e) { e.textContent = t(e.getAttribute('data-i18n')); });
    $('lang-toggle').textContent = lang === 'zh' ? 'English' : '中文';
    shown = {};
    if (data) render();
  }

  function api(path, body) {
    var init = body === undefined ? { cache: 'no-store' } : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
    return fetch('console/api/' + path, init).then(function (r) {
      return r.json().then(function (j) {
        if (!r.ok) throw new Error((j.code || r.status) + ': ' + (j.message || ''));
        return j;
      });
    });
  }

  function refresh() {
    return api('state').then(function (s) { data = s; render(); }, function (e) { status(t('offline') + ': ' + e.message, true); });
  }

  function render() {
    $('now').textContent = data.now;
    renderTimeline();
    renderDetail();
    fill('tasks', data.tasks.map(function (x) {
      return [x.outerTaskId, x.partner === '*' ? t('anyPartner') : x.partner, x.publisher, { cls: 'num', text: x.frozen }, { cls: 'num', text: x.paid },
        { cls: 'num', text: x.remaining }, x.expires + ' (' + t(x.expired ? 'expired' : 'open') + ')'];
    }));
    fill('transfers', data.transfers.map(function (x) {
      return [{ cls: 'mono', text: x.alipayTransferNo }, x.kind, x.payee + (x.nickName ? ' (' + x.nickName + ')' : ''), { cls: 'num', text: x.amount },
        { cls: 'num', text: x.fee }, badge(x.status, x.status + (x.errorCode ? ' ' + x.errorCode : '')), x.settles];
    }));
    fill('balances', data.balances.map(function (x) { return [{ cls: 'mono', text: x.account }, { cls: 'num', text: x.amount }]; }));
    fill('sms', data.sms.map(function (x) { return [x.time, x.mobile, { cls: 'wrap', text: x.text }]; }));
    fill('faults', data.faults.map(function (x) {
      return [x.action + (x.delay !== undefined ? ' ' + Math.round(x.delay / 60000) + ' min' : ''), x.notifyId || x.kind || x.partner || '*', x.left === 'always' ? t('always') : x.left];
    }));
    if (!$('doctor-partner').options.length) {
      data.partners.forEach(function (p) { $('doctor-partner').appendChild(el('option', { value: p.id, text: p.id })); });
    }
  }

  function renderTimeline() {
    var key = JSON.stringify(data.timeline) + selected + lang;
    if (shown.timeline === key) return;
    shown.timeline = key;
    var list = $('timeline');
    list.textContent = '';
    $('timeline-empty').hidden = data.timeline.length > 0;
    data.timeline.forEach(function (x) {
      var isN = x.type === 'notification';
      var li = el('li', { cls: x.type + (isN && x.id === selected ? ' selected' : ''), 'data-testid': 'timeline-item', 'data-type': x.type, 'data-id': x.id }, [
        el('span', { cls: 'when', text: x.time }),
        el('span', { cls: 'tag', text: t(x.type) }),
        el('span', { cls: 'what', text: isN ? x.kind : 'gateway.do ' + x.outerTaskId }),
        isN ? badge(x.status, t('status_' + x.status)) : badge(x.status.charAt(0), x.status),
        el('span', { cls: 'sub', text: x.partner + ' · ' + x.outerTaskId + (isN ? ' · ' + t('attempts') + ': ' + x.attempts : '') })
      ]);
      if (isN) {
        li.tabIndex = 0;
        li.addEventListener('click', function () { select(x.id); });
        li.addEventListener('keydown', function (ev) { if (ev.key === 'Enter') select(x.id); });
      }
      list.appendChild(li);
    });
  }

  function select(id) {
    selected = id;
    shown.timeline = null;
    shown.detail = null;
    render();
  }

  function verdictNode(d) {
    if (!d) return el('p', { cls: 'muted', text: t('noVerdict') });
    if (d.error) return el('p', null, [badge('bad', d.error.code), ' ' + d.error.message]);
    return el('div', null, [
      el('p', null, [el('span', { cls: 'cause s-' + (d.verified ? 'OK' : 'bad'), 'data-testid': 'cause', text: d.cause }), el('span', { 'data-testid': 'cause-message', text: d.message })]),
      el('h3', { text: t('canonical') + ' (' + d.charset + ')' }), el('pre', { 'data-testid': 'verdict-canonical', text: d.canonical }),
      el('h3', { text: t('bytes') }), el('pre', { 'data-testid': 'verdict-bytes', text: d.signedBytes })
    ]);
  }

  function renderDetail() {
    var n = null;
    data.notifications.forEach(function (x) { if (x.notifyId === selected) n = x; });
    $('detail-empty').hidden = !!n;
    $('detail-body').hidden = !n;
    if (!n) return;
    var key = JSON.stringify(n) + lang;
    if (shown.detail === key) return;
    shown.detail = key;
    $('detail-kind').textContent = n.kind;
    var st = $('detail-status');
    st.textContent = t('status_' + n.status);
    st.className = 'badge s-' + n.status;
    var facts = $('detail-facts');
    facts.textContent = '';
    [['notifyId', n.notifyId], ['partner', n.partner], ['task', n.outerTaskId], ['url', n.url], ['charset', n.charset], ['created', n.created],
      ['delivered', n.delivered], ['nextAttempt', n.nextAttempt], ['notes', n.notes.join('; ')]].forEach(function (f) {
      if (f[1] === undefined || f[1] === '') return;
      facts.appendChild(el('dt', { text: t(f[0]) }));
      facts.appendChild(el('dd', { text: f[1] }));
    });
    fill('attempts', n.attempts.map(function (a) {
      return [a.attempt + (a.duplicate ? '′' : ''), a.time, badge(a.outcome, t('outcome_' + a.outcome)), a.httpStatus === undefined ? '—' : a.httpStatus,
        a.latencyMs === undefined ? '—' : a.latencyMs + ' ms', { cls: 'mono wrap', text: a.answer === undefined ? '' : a.answer }, { cls: 'wrap', text: a.failedBecause || '' }];
    }));
    $('attempts').querySelectorAll('tr').forEach(function (tr) { tr.setAttribute('data-testid', 'attempt-row'); });
    $('next-attempt').textContent = n.attempts.length ? (n.nextAttempt ? t('nextAttempt') + ': ' + n.nextAttempt : '') : t('noneYet') + (n.nextAttempt ? ' ' + t('nextAttempt') + ': ' + n.nextAttempt : '');
    var v = $('request-verdict');
    v.textContent = '';
    v.appendChild(verdictNode(n.doctor));
    fill('fields', Object.keys(n.fields).map(function (k) { return [k, { cls: 'mono', text: n.fields[k] }]; }));
    $('canonical').textContent = n.canonical;
    $('xml').textContent = n.xml;
  }

  function act(promise, okMsg) {
    status('…');
    return promise.then(function (r) { status(okMsg(r)); return refresh(); }, function (e) { status(e.message, true); });
  }

  function advance() {
    var m = Number($('advance-minutes').value);
    if (!(m >= 0)) m = 0;
    return act(api('clock', { advanceMs: Math.round(m * 60000) }), function () { return t('advanced') + ': +' + m + ' ' + t('minutes'); });
  }

  function fault(action) {
    if (!selected) return;
    var body = { action: action, notifyId: selected };
    if (action === 'delay') body.delayMs = Math.round((Number($('advance-minutes').value) || 2) * 60000);
    act(api('faults', body), function () { return t('faultAdded'); });
  }

  function diagnose() {
    var text = $('doctor-input').value.trim();
    var key = $('doctor-key').value.trim();
    var req = {};
    if (/\n/.test(text) && !/&/.test(text)) {
      req.params = {};
      text.split(/\r?\n/).forEach(function (line) {
        var i = line.indexOf('=');
        if (i > 0) req.params[line.slice(0, i).trim()] = line.slice(i + 1);
      });
    } else req.body = text;
    if (key) req.publicKey = key;
    else req.partner = $('doctor-partner').value;
    var out = $('doctor-result');
    out.textContent = '';
    api('doctor', req).then(function (d) {
      out.appendChild(verdictNode(d));
      status('');
    }, function (e) { out.appendChild(el('p', null, [badge('bad', 'ERROR'), ' ' + e.message])); });
  }

  function showTab(name) {
    tab = name;
    document.querySelectorAll('.tab').forEach(function (b) { b.setAttribute('aria-selected', String(b.getAttribute('data-tab') === name)); });
    document.getElementById('view-timeline').hidden = name !== 'timeline';
    document.getElementById('view-doctor').hidden = name !== 'doctor';
  }

  function start() {
    document.querySelectorAll('.tab').forEach(function (b) { b.addEventListener('click', function () { showTab(b.getAttribute('data-tab')); }); });
    $('lang-toggle').addEventListener('click', function () {
      lang = lang === 'zh' ? 'en' : 'zh';
      var u = new URL(location.href);
      u.searchParams.set('lang', lang);
      history.replaceState(null, '', u.toString());
      applyLang();
    });
    $('btn-advance').addEventListener('click', advance);
    $('btn-advance-detail').addEventListener('click', advance);
    $('btn-redeliver').addEventListener('click', function () {
      if (selected) act(api('notifications/' + encodeURIComponent(selected) + '/redeliver', {}), function () { return t('redelivered'); });
    });
    $('btn-fail').addEventListener('click', function () { fault('fail'); });
    $('btn-drop').addEventListener('click', function () { fault('drop'); });
    $('btn-delay').addEventListener('click', function () { fault('delay'); });
    $('doctor-run').addEventListener('click', diagnose);
    showTab(params.get('tab') === 'doctor' ? 'doctor' : 'timeline');
    if (params.get('notify')) selected = params.get('notify');
    applyLang();
    refresh();
    setInterval(refresh, 1000);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
`;
