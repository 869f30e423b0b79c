// XML test material: the docs/PROTOCOL.md §6.1/§6.2 samples, a generator of large bidder documents, and two
// independent oracles (saxes, fast-xml-parser) that turn a document into the same plain tree shape as
// ours: { name, attributes: {…}, children: [...], text } with text = all direct character data.

import { XMLParser } from 'fast-xml-parser';
import { SaxesParser } from 'saxes';

/** docs/PROTOCOL.md §6.1, with the "…same elements…" placeholders written out. */
export const SAMPLE_61 = `<?xml version="1.0" encoding="GBK"?>
<alipay>
  <is_success>T</is_success>
  <response>
    <task_info>
      <outer_task_id>20111221_0011</outer_task_id>
      <refund_detail>
        <outer_transfer_no>20111221_0012_03</outer_transfer_no>
        <transfer_amount>20.10</transfer_amount>
        <transfer_status>W</transfer_status>
      </refund_detail>
      <platform_detail>
        <outer_transfer_no>20111221_0012_04</outer_transfer_no>
        <transfer_amount>1.50</transfer_amount>
        <transfer_status>W</transfer_status>
      </platform_detail>
      <success_bidders>
        <bidder>
          <outer_transfer_no>20111221_0011_10</outer_transfer_no>
          <transfer_amount>15.00</transfer_amount>
          <alipay_user_id>2088102116203708</alipay_user_id>
          <nick_name>天之蓝</nick_name>
          <transfer_status>W</transfer_status>
        </bidder>
      </success_bidders>
      <fail_bidders>
        <bidder>
          <outer_transfer_no>20111221_0011_11</outer_transfer_no>
          <transfer_amount>5.00</transfer_amount>
          <alipay_user_id>2088102116203709</alipay_user_id>
          <nick_name>喆镕</nick_name>
          <transfer_status>F</transfer_status>
          <error_code>ACCOUNT_NOT_EXIST</error_code>
        </bidder>
      </fail_bidders>
    </task_info>
  </response>
</alipay>
`;

/** docs/PROTOCOL.md §6.2–6.4 (no declaration). */
export const SAMPLE_62 = `<alipay>
  <is_success>T</is_success>
  <response>
    <transfer>
      <outer_task_id>20111221_0011</outer_task_id>
      <outer_transfer_no>20111221_0011_10</outer_transfer_no>
      <alipay_transfer_no>2011122100001</alipay_transfer_no>
      <sub_type>ASSIGN_FOR_IMMEDIATE_PAYMENT</sub_type>
      <payee_user_id>2088102116203708</payee_user_id>
      <transfer_amount>15.00</transfer_amount>
      <fee_amount>0.15</fee_amount>
      <transfer_status>S</transfer_status>
      <error_code/>
      <gmt_transfer>2011-12-21 10:00:05</gmt_transfer>
    </transfer>
  </response>
</alipay>
`;

// GBK characters whose trail byte is ']' (0x815D 乚), '[' (0x815B 乕) and '@' (0x8140 丂), a euro
// sign (GBK 0x80), and GB 2312 characters.
export const TRICKY_GBK_TEXT = '乚]乚]]乕[丂@€天之蓝';

/**
 * A notification with `n` bidders (half success, half fail), in the §6.1 layout. `nick(i)` gives the
 * nickname; `extras` adds an attribute, entities and a CDATA section per bidder.
 */
export function bidderDocument(n, { encoding = 'UTF-8', nick = (i) => `天之蓝${i}`, extras = false } = {}) {
  const parts = [
    `<?xml version="1.0" encoding="${encoding}"?>\n<alipay>\n  <is_success>T</is_success>\n  <response>\n    <task_info>\n      <outer_task_id>20111221_0011</outer_task_id>\n`,
  ];
  for (const [list, from, to] of [
    ['success_bidders', 0, n >> 1],
    ['fail_bidders', n >> 1, n],
  ]) {
    parts.push(`      <${list}>\n`);
    for (let i = from; i < to; i++) {
      parts.push(
        `        <bidder${extras ? ` seq="${i}" note='a &amp; b'` : ''}>\n` +
          `          <outer_transfer_no>20111221_0011_${i}</outer_transfer_no>\n` +
          `          <transfer_amount>${(i % 1000) + 1}.${String(i % 100).padStart(2, '0')}</transfer_amount>\n` +
          `          <alipay_user_id>${2088102116203708 + i}</alipay_user_id>\n` +
          `          <nick_name>${nick(i)}${extras ? ' &lt;vip&gt; <![CDATA[<b>]]>' : ''}</nick_name>\n` +
          `          <transfer_status>${list === 'fail_bidders' ? 'F' : 'W'}</transfer_status>\n` +
          (list === 'fail_bidders' ? `          <error_code>ACCOUNT_NOT_EXIST</error_code>\n` : '') +
          `        </bidder>\n`,
      );
    }
    parts.push(`      </${list}>\n`);
  }
  parts.push('    </task_info>\n  </response>\n</alipay>\n');
  return parts.join('');
}

/** Our tree → plain data (attributes as a plain object) for deepEqual. */
export function plain(el) {
  return { name: el.name, attributes: { ...el.attributes }, children: el.children.map(plain), text: el.text };
}

/** saxes (a conformant streaming parser) as the oracle: text → plain tree. Throws on malformed XML. */
export function saxesTree(xml) {
  const p = new SaxesParser();
  const stack = [];
  let root;
  p.on('error', (e) => {
    throw e;
  });
  p.on('opentag', (t) => {
    const el = { name: t.name, attributes: { ...t.attributes }, children: [], text: '' };
    if (stack.length) stack[stack.length - 1].children.push(el);
    else root = el;
    stack.push(el);
  });
  p.on('closetag', () => stack.pop());
  const text = (t) => {
    if (stack.length) stack[stack.length - 1].text += t;
  };
  p.on('text', text);
  p.on('cdata', text);
  p.write(xml).close();
  return root;
}

const fxp = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  preserveOrder: true,
  trimValues: false,
  parseTagValue: false,
  parseAttributeValue: false,
  cdataPropName: '#cdata',
  ignoreDeclaration: true,
  ignorePiTags: true,
});

/** fast-xml-parser as a second oracle (predefined entities only: it leaves numeric references alone). */
export function fxpTree(xml) {
  const conv = (node) => {
    const name = Object.keys(node).find((k) => k !== ':@');
    const el = { name, attributes: { ...(node[':@'] ?? {}) }, children: [], text: '' };
    for (const c of node[name]) {
      if ('#text' in c) el.text += c['#text'];
      else if ('#cdata' in c) el.text += c['#cdata'].map((t) => t['#text']).join('');
      else el.children.push(conv(c));
    }
    return el;
  };
  const top = fxp.parse(xml).filter((n) => !('#text' in n));
  if (top.length !== 1) throw new Error(`fast-xml-parser found ${top.length} roots`);
  return conv(top[0]);
}

/** Splits bytes at the given sorted offsets. */
export function splitAt(bytes, offsets) {
  const out = [];
  let prev = 0;
  for (const o of offsets) {
    out.push(bytes.subarray(prev, o));
    prev = o;
  }
  out.push(bytes.subarray(prev));
  return out;
}
