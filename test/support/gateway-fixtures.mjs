// Shared fixtures of the gateway tests: OpenSSL-made keys, an injected clock, a recording partner
// endpoint, and independent oracles for what the simulator sends — a hand-written urlencoded parser
// over raw bytes, node:crypto (OpenSSL) for signatures, iconv-lite for charsets and fast-xml-parser
// for the XML. Nothing here uses the library's own form, canonical or XML code.
import crypto from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import iconv from 'iconv-lite';
import { createPrivateKey, exportPublicKey } from '../../dist/esm/index.js';
import { opensslDsa } from './dsa-keys.mjs';

export const PARTNER = '2088101115793868';
export const PUBLISHER = '2088102113960482';
export const B1 = '2088102116203708';
export const B2 = '2088102116203728'; // abnormal
export const B3 = '2088102116208991';
export const UNKNOWN = '2088102116200000';
// 2012-06-12 10:00:00 Beijing time, the document's notify_time example.
export const T0 = Date.UTC(2012, 5, 12, 2, 0, 0);

const make = () => {
  const k = opensslDsa();
  const key = createPrivateKey({ p: k.p, q: k.q, g: k.g, x: k.x });
  return { key, nodePrivate: k.nodePrivate, nodePublic: k.nodePublic, publicPem: exportPublicKey(key.publicKey) };
};
/** The partner's key pair and the simulator's, both made by OpenSSL. */
export const partnerKeys = make();
export const simulatorKeys = make();

export const ic = (cs) => (cs === 'utf-8' ? 'utf8' : 'gbk'); // iconv-lite: gb2312 is its GBK alias

export function clock(t = T0) {
  const c = { t, now: () => c.t };
  return c;
}

/** A partner endpoint as an injected fetch: records every delivery, answers via `answer(record, n)`. */
export function partnerEndpoint(c, answer = () => 'success') {
  const got = [];
  return {
    got,
    fetch: async (req) => {
      const body = Buffer.from(await req.arrayBuffer());
      const rec = {
        url: req.url,
        method: req.method,
        contentType: req.headers.get('content-type'),
        body: body.toString('latin1'),
        at: c.t,
      };
      rec.pairs = parseUrlencoded(rec.body);
      rec.field = (n) => fieldBytes(rec.pairs, n)?.toString('latin1');
      got.push(rec);
      const a = answer(rec, got.length);
      return a instanceof Response ? a : new Response(a);
    },
  };
}

/** Runs everything that becomes due, moving the clock forward to each due time. */
export async function drain(gw, c, max = 500) {
  for (let i = 0; i < max; i++) {
    const next = await gw.nextDueAt();
    if (next === undefined) return;
    c.t = Math.max(c.t, next);
    await gw.runDue();
  }
  throw new Error('the gateway did not drain');
}

const UNRESERVED = /[A-Za-z0-9*\-._]/;
function escapeBytes(buf) {
  let s = '';
  for (const b of buf) {
    const ch = String.fromCharCode(b);
    if (UNRESERVED.test(ch)) s += ch;
    else if (b === 0x20) s += '+';
    else s += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return s;
}

/** Independent urlencoded serialiser in a charset (iconv-lite). */
export const urlencode = (fields, cs) =>
  Object.entries(fields)
    .map(([k, v]) => `${escapeBytes(iconv.encode(k, ic(cs)))}=${escapeBytes(iconv.encode(v, ic(cs)))}`)
    .join('&');

/** Independent urlencoded parser: raw percent-decoded bytes, no charset decoding. */
export function parseUrlencoded(text) {
  const dec = (s) => {
    const out = [];
    for (let i = 0; i < s.length; i++) {
      if (s[i] === '+') out.push(0x20);
      else if (s[i] === '%') {
        const h = s.slice(i + 1, i + 3);
        if (!/^[0-9A-Fa-f]{2}$/.test(h)) throw new Error(`bad escape at ${i}`);
        out.push(parseInt(h, 16));
        i += 2;
      } else out.push(s.charCodeAt(i));
    }
    return Buffer.from(out);
  };
  return text === ''
    ? []
    : text.split('&').map((p) => {
        const eq = p.indexOf('=');
        return eq < 0 ? [dec(p), Buffer.alloc(0)] : [dec(p.slice(0, eq)), dec(p.slice(eq + 1))];
      });
}

export const fieldBytes = (pairs, name) => pairs.find(([n]) => n.toString('latin1') === name)?.[1];

/** OpenSSL check of a signature over the raw received bytes (docs/PROTOCOL.md §4), with the signer's node key. */
export function opensslVerifiesRaw(pairs, nodePublic) {
  const entries = pairs
    .filter(([n, v]) => !['sign', 'sign_type'].includes(n.toString('latin1')) && v.length > 0)
    .sort((a, b) => Buffer.compare(a[0], b[0]));
  const parts = [];
  for (const [i, [n, v]] of entries.entries()) parts.push(...(i ? [Buffer.from('&')] : []), n, Buffer.from('='), v);
  const sign = fieldBytes(pairs, 'sign')?.toString('latin1');
  if (fieldBytes(pairs, 'sign_type')?.toString('latin1') !== 'DSA' || !sign) return false;
  return crypto.verify('sha1', Buffer.concat(parts), { key: nodePublic, dsaEncoding: 'der' }, Buffer.from(sign, 'base64'));
}

/** Signs fields with OpenSSL over the iconv-encoded canonical string; returns the urlencoded body. */
export function opensslSignedBody(fields, cs, nodePrivate = partnerKeys.nodePrivate, extra = {}) {
  const canon = Object.keys(fields)
    .filter((k) => k !== 'sign' && k !== 'sign_type' && fields[k] !== '')
    .sort()
    .map((k) => `${k}=${fields[k]}`)
    .join('&');
  const sign = crypto.sign('sha1', iconv.encode(canon, ic(cs)), { key: nodePrivate, dsaEncoding: 'der' }).toString('base64');
  return urlencode({ ...fields, sign, sign_type: 'DSA', ...extra }, cs);
}

const parser = new XMLParser({
  ignoreDeclaration: true,
  parseTagValue: false,
  trimValues: false,
  isArray: (name) => name === 'bidder',
});

/** The XML of a notification or return: decoded by iconv-lite, declaration checked, parsed by fast-xml-parser. */
export function notificationXml(pairs, cs, dialect = 'spec') {
  const raw = fieldBytes(pairs, dialect === 'kppw' ? 'resultMsg' : 'notify_data');
  if (!raw) throw new Error('no notification data field');
  let text = iconv.decode(raw, ic(cs));
  if (dialect === 'kppw') {
    if (!text.startsWith('xml=')) throw new Error('kppw data must start with xml=');
    text = text.slice(4);
  }
  const decl = /^<\?xml version="1\.0" encoding="([^"]+)"\?>/.exec(text);
  return { text, encoding: decl?.[1], doc: parser.parse(text) };
}

/** A gateway config with one task and the three bidders' accounts. */
export function baseConfig(over = {}) {
  return {
    partners: { [PARTNER]: { publicKey: partnerKeys.publicPem } },
    key: simulatorKeys.key,
    tasks: [
      {
        outerTaskId: 'T1',
        partner: PARTNER,
        publisher: PUBLISHER,
        outerAccountId: 'task_publisher',
        frozen: '200.00',
        expiresAt: T0 - 86_400_000,
        usedSerials: ['old_serial'],
      },
      { outerTaskId: 'T_OPEN', publisher: PUBLISHER, frozen: '50.00', expiresAt: T0 + 86_400_000 },
    ],
    accounts: [PUBLISHER, B1, B3, { id: B2, abnormal: true }],
    autoRun: false,
    ...over,
  };
}

/** The request: a refund, a platform share and three bidders (one abnormal). */
export function sampleInput(over = {}) {
  return {
    partner: PARTNER,
    privateKey: partnerKeys.key,
    charset: 'utf-8',
    outerTaskId: 'T1',
    outerAccountId: 'task_publisher',
    alipayUserId: PUBLISHER,
    refund: { serial: 'r_01', amount: '20.1' },
    platform: { serial: 'p_01', amount: '30.10' },
    transfers: [
      { serial: 's_01', amount: '15', alipayUserId: B1, nickName: '天之蓝' },
      { serial: 's_02', amount: '17.00', alipayUserId: B2, nickName: '红彤彤' },
      { serial: 's_03', amount: '12.34', alipayUserId: B3, nickName: 'Tom & <Jerry>' },
    ],
    notifyUrl: 'http://partner.test/notify',
    returnUrl: 'http://partner.test/return',
    gateway: 'http://gateway.test/gateway.do',
    ...over,
  };
}
