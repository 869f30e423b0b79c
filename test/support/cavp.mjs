// Parser for NIST CAVS DSA response files (SigVer.rsp, SigGen.txt).
import assert from 'node:assert/strict';

/**
 * Parses a CAVS response file: `[mod = L=.., N=.., SHA-..]` headers, then P, Q, G, then records of
 * `Name = value` lines separated by blank lines. Returns records with their group's parameters.
 */
export function parseCavs(text) {
  const records = [];
  let group;
  let rec;
  const flush = () => {
    if (rec && Object.keys(rec).length) records.push({ ...group, ...rec });
    rec = undefined;
  };
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('#')) continue;
    if (line === '') {
      flush();
      continue;
    }
    const header = /^\[mod = L=(\d+), N=(\d+), (SHA-\d+)\]$/.exec(line);
    if (header) {
      flush();
      group = { L: Number(header[1]), N: Number(header[2]), sha: header[3] };
      continue;
    }
    const kv = /^(\w+) = (.*)$/.exec(line);
    assert.ok(kv, `unparsed line: ${line.slice(0, 60)}`);
    const [, name, value] = kv;
    if (name === 'P' || name === 'Q' || name === 'G') {
      assert.ok(group, 'parameters before a [mod] header');
      group[name] = value;
    } else {
      rec ??= {};
      assert.equal(rec[name], undefined, `duplicate ${name}`);
      rec[name] = value;
    }
  }
  flush();
  return records;
}
