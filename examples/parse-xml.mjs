// Decode a GBK notification document with the strict, DTD-free XML decoder: whole, then record by record
// (for documents too large to hold: each <bidder> comes out as soon as its end tag has arrived).
import { fileURLToPath } from 'node:url';
import { encode, loadCharset } from 'alipay-witkey/charset';
import { parseXml, XmlDecoder } from 'alipay-witkey/xml';

export async function main({ chunks } = {}) {
  await loadCharset('gbk'); // needed once before GBK / GB 2312 documents
  chunks ??= [
    encode(
      '<?xml version="1.0" encoding="GBK"?><alipay><is_success>T</is_success><response><success_bidders>' +
        '<bidder><nick_name>天之蓝</nick_name></bidder><bidder><nick_name>云中鹤</nick_name></bidder>' +
        '</success_bidders></response></alipay>',
      'gbk',
    ),
  ];
  const whole = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    whole.set(c, at);
    at += c.length;
  }
  const { root, charset } = parseXml(whole, { charset: 'gbk' }); // used only when the declaration names no encoding
  console.log(charset, root.name, root.children.find((e) => e.name === 'is_success').text);

  const decoder = new XmlDecoder({ split: (path) => path.at(-1) === 'bidder', limits: { maxBytes: Infinity } });
  const bidders = [];
  for (const chunk of chunks) for (const { element } of decoder.write(chunk)) bidders.push(element);
  const { document } = decoder.end(); // the rest of the tree, without the bidders
  const nick = (b) => b.children.find((e) => e.name === 'nick_name').text;
  console.log(document.root.name, bidders.map(nick).join(', '));
  return { root, bidders: bidders.map(nick) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
