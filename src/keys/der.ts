/**
 * DER reading and writing for the few ASN.1 types keys are made of: SEQUENCE, INTEGER,
 * OBJECT IDENTIFIER, OCTET STRING, BIT STRING (plus the outline of an X.509 certificate).
 *
 * The reader is a small strict DER parser (X.690 §10), not a BER one: definite lengths only, in the
 * minimal form (short form below 128; long form of at most 4 bytes without a leading zero byte),
 * identifiers with minimal tag numbers (the high-tag-number form is accepted for tags ≥ 31 only),
 * no end-of-contents octets, every element of a constructed value exactly filling its parent, no
 * trailing data, and nesting at most {@link MAX_DEPTH} deep so hostile input cannot recurse far.
 * The helpers add what DER says about the values they read: minimal INTEGERs, minimal OID
 * subidentifiers, primitive strings, BIT STRINGs without unused bits. Together with the element
 * counts checked by the format modules, this leaves exactly one accepted encoding for each key,
 * the one the writer below produces (and OpenSSL writes), so no re-encode-and-compare step is
 * needed. The whole tree is parsed eagerly (constructed values only; OCTET/BIT STRING contents
 * are parsed by the caller when they hold DER). Every failure is a WitkeyError `INVALID_KEY` that
 * names the problem (with a byte offset for encoding errors), never the data. Neither half is a
 * general ASN.1 library.
 *
 * asn1js is not used here: it is a BER parser (strictness would have to be restored by re-encoding)
 * and would be more than half of the verify-only browser bundle. Only the encrypted-PKCS#8 path
 * (pbes2.ts, with pkijs) uses it.
 * @module
 */
import { bigIntToMinimalBytes, bytesToBigInt } from '../dsa/arith.js';
import { invalidKey } from './errors.js';

/** How deeply constructed values may nest (an X.509 certificate needs about 8). */
export const MAX_DEPTH = 32;

/** Tag classes, as the top two bits of the identifier octet. */
export const CLASS = { UNIVERSAL: 0, APPLICATION: 1, CONTEXT: 2, PRIVATE: 3 } as const;

/** One parsed DER element. Offsets are relative to the byte array given to {@link parseDer}. */
export interface AsnNode {
  /** Tag class, 0–3 ({@link CLASS}). */
  readonly cls: number;
  readonly constructed: boolean;
  /** Tag number (≥ 31 for the high-tag-number form). */
  readonly tag: number;
  /** Offset of the identifier octet. */
  readonly start: number;
  /** Offset just after the content. */
  readonly end: number;
  /** The content octets (a view into the input, not a copy). */
  readonly value: Uint8Array;
  /** The elements of a constructed value; empty for a primitive one. */
  readonly children: readonly AsnNode[];
  /** The input this node was parsed from (for {@link encodedBytes}). */
  readonly input: Uint8Array;
}

/** Universal tag numbers used by key structures. */
export const TAG = { INTEGER: 2, BIT_STRING: 3, OCTET_STRING: 4, NULL: 5, OID: 6, SEQUENCE: 16 } as const;

const TAG_NAMES: Record<number, string> = {
  2: 'INTEGER',
  3: 'BIT STRING',
  4: 'OCTET STRING',
  5: 'NULL',
  6: 'OBJECT IDENTIFIER',
  16: 'SEQUENCE',
};

/** Parse failure inside {@link parseDer}; turned into a WitkeyError with the caller's `what`. */
class DerError {
  constructor(readonly message: string) {}
}

/**
 * Reads one element starting at `pos`, which must end by `limit`; constructed values recursively.
 * `limit < input.length` means it is inside a parent whose content ends there.
 */
function readElement(input: Uint8Array, pos: number, limit: number, depth: number): AsnNode {
  const start = pos;
  const outer = limit === input.length;
  const short = () =>
    new DerError(
      outer
        ? `truncated DER (the header at byte ${start} is incomplete)`
        : `malformed DER (the header at byte ${start} runs past the end of the element enclosing it)`,
    );
  if (pos >= limit) throw short();
  const id = input[pos++]!;
  const cls = id >> 6;
  const constructed = (id & 0x20) !== 0;
  let tag = id & 0x1f;
  if (tag === 0x1f) {
    // High-tag-number form: base-128, minimal (no leading 0x80), and only for tag numbers ≥ 31.
    tag = 0;
    for (let n = 0; ; n++) {
      if (pos >= limit) throw short();
      const b = input[pos++]!;
      if (n === 0 && b === 0x80) throw new DerError(`not DER (non-minimal tag number at byte ${start})`);
      if (n === 4) throw new DerError(`malformed DER (tag number too large at byte ${start})`);
      tag = tag * 128 + (b & 0x7f);
      if ((b & 0x80) === 0) break;
    }
    if (tag < 31) throw new DerError(`not DER (tag number ${tag} in the long form at byte ${start})`);
  } else if (tag === 0 && cls === CLASS.UNIVERSAL) {
    throw new DerError(`not DER (end-of-contents octets or universal tag 0 at byte ${start})`);
  }
  if (pos >= limit) throw short();
  let len = input[pos++]!;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0) throw new DerError(`not DER (indefinite length at byte ${start})`);
    if (n > 4) throw new DerError(`malformed DER (a ${n}-byte length at byte ${start}; at most 4 are supported)`);
    if (pos + n > limit) throw short();
    if (input[pos] === 0) throw new DerError(`not DER (non-minimal length encoding at byte ${start})`);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + input[pos++]!;
    if (len < 0x80) throw new DerError(`not DER (non-minimal length encoding at byte ${start})`);
  }
  const end = pos + len;
  if (end > limit) {
    throw new DerError(
      outer
        ? `truncated DER (the element at byte ${start} needs ${len} content bytes, ${limit - pos} remain)`
        : `malformed DER (the element at byte ${start} runs past the end of the element enclosing it)`,
    );
  }
  const children: AsnNode[] = [];
  if (constructed) {
    if (depth >= MAX_DEPTH) throw new DerError(`malformed DER (nested more than ${MAX_DEPTH} levels deep)`);
    for (let p = pos; p < end; ) {
      const child = readElement(input, p, end, depth + 1);
      children.push(child);
      p = child.end;
    }
  }
  return { cls, constructed, tag, start, end, value: input.subarray(pos, end), children, input };
}

/**
 * Parses one complete DER element. Rejects BER-only encodings, malformed or truncated input,
 * over-deep nesting and trailing bytes.
 * @param what names the structure in error messages.
 */
export function parseDer(bytes: Uint8Array, what: string): AsnNode {
  if (bytes.length === 0) throw invalidKey(`${what}: empty DER`, 'input');
  let node: AsnNode;
  try {
    node = readElement(bytes, 0, bytes.length, 0);
  } catch (e) {
    if (e instanceof DerError) throw invalidKey(`${what}: ${e.message}`, 'input');
    throw e;
  }
  if (node.end !== bytes.length) {
    const n = bytes.length - node.end;
    throw invalidKey(
      `${what}: ${n} byte${n === 1 ? '' : 's'} of trailing data after the DER structure (at byte ${node.end})`,
      'input',
    );
  }
  return node;
}

/** True if `node` is a universal-class element with the given tag number. */
export function isUniversal(node: AsnNode | undefined, tag: number): boolean {
  return node !== undefined && node.cls === CLASS.UNIVERSAL && node.tag === tag;
}

/** True if `node` is a context-specific element `[n]`. */
export function isContext(node: AsnNode | undefined, n: number): boolean {
  return node !== undefined && node.cls === CLASS.CONTEXT && node.tag === n;
}

function describe(node: AsnNode | undefined): string {
  if (node === undefined) return 'nothing';
  const { cls, tag } = node;
  if (cls === CLASS.UNIVERSAL) return TAG_NAMES[tag] ?? `universal tag ${tag}`;
  if (cls === CLASS.CONTEXT) return `[${tag}]`;
  return `[${cls === CLASS.APPLICATION ? 'APPLICATION' : 'PRIVATE'} ${tag}]`;
}

function expect(node: AsnNode | undefined, tag: number, what: string, constructed: boolean): asserts node is AsnNode {
  if (!isUniversal(node, tag)) throw invalidKey(`${what}: expected ${TAG_NAMES[tag]}, found ${describe(node)}`, 'input');
  if (node!.constructed !== constructed) {
    throw invalidKey(`${what}: ${TAG_NAMES[tag]} must use the ${constructed ? 'constructed' : 'primitive'} encoding`, 'input');
  }
}

/** The elements of a SEQUENCE. */
export function sequenceItems(node: AsnNode | undefined, what: string): readonly AsnNode[] {
  expect(node, TAG.SEQUENCE, what, true);
  return node.children;
}

/** The content of a primitive INTEGER, which must be minimal (X.690 §8.3.2). */
function integerContent(node: AsnNode | undefined, field: string, what: string, label: string): Uint8Array {
  if (!isUniversal(node, TAG.INTEGER) || node!.constructed) {
    throw invalidKey(`${what}: expected INTEGER${label}, found ${describe(node)}`, field);
  }
  const b = node!.value;
  if (b.length === 0) throw invalidKey(`${what}: INTEGER${label} has no content`, field);
  if (b.length > 1 && ((b[0] === 0 && !(b[1]! & 0x80)) || (b[0] === 0xff && b[1]! & 0x80))) {
    throw invalidKey(`${what}: not DER (INTEGER${label} has a redundant leading byte)`, field);
  }
  return b;
}

/**
 * A non-negative INTEGER as a bigint.
 * @param field the key component it is (`p`, `x`, …), used as the error's `field`.
 */
export function readUnsigned(node: AsnNode | undefined, field: string, what: string): bigint {
  const b = integerContent(node, field, what, ` ${field}`);
  if (b[0]! & 0x80) throw invalidKey(`${what}: ${field} is negative`, field);
  return bytesToBigInt(b);
}

/** A small INTEGER (a version number); undefined if it does not fit in 31 bits or is negative. */
export function readSmallInt(node: AsnNode | undefined, what: string): number | undefined {
  const b = integerContent(node, 'input', what, '');
  if (b.length > 4 || b[0]! & 0x80) return undefined;
  let n = 0;
  for (let i = 0; i < b.length; i++) n = n * 256 + b[i]!;
  return n;
}

/** An OBJECT IDENTIFIER in dotted form; its subidentifiers must be minimal. */
export function readOid(node: AsnNode | undefined, what: string): string {
  expect(node, TAG.OID, what, false);
  const b = node.value;
  if (b.length === 0 || b[b.length - 1]! & 0x80) throw invalidKey(`${what}: malformed OBJECT IDENTIFIER`, 'input');
  const arcs: string[] = [];
  let v = 0n;
  for (let i = 0; i < b.length; i++) {
    if (v === 0n && b[i] === 0x80)
      throw invalidKey(`${what}: not DER (OBJECT IDENTIFIER with a non-minimal subidentifier)`, 'input');
    v = (v << 7n) | BigInt(b[i]! & 0x7f);
    if (b[i]! & 0x80) continue;
    if (arcs.length === 0) arcs.push(v < 80n ? `${v / 40n}.${v % 40n}` : `2.${v - 80n}`);
    else arcs.push(String(v));
    v = 0n;
  }
  return arcs.join('.');
}

/** The content of a primitive OCTET STRING. */
export function readOctets(node: AsnNode | undefined, what: string): Uint8Array {
  expect(node, TAG.OCTET_STRING, what, false);
  return node.value;
}

/** The content of a primitive BIT STRING, which must have no unused bits. */
export function readBitString(node: AsnNode | undefined, what: string): Uint8Array {
  expect(node, TAG.BIT_STRING, what, false);
  const b = node.value;
  if (b.length === 0) throw invalidKey(`${what}: BIT STRING has no content`, 'input');
  if (b[0] !== 0) throw invalidKey(`${what}: BIT STRING has ${b[0]} unused bits, expected 0`, 'input');
  return b.subarray(1);
}

/** The exact encoded bytes (identifier, length, content) of a node as they appeared in the input. */
export function encodedBytes(node: AsnNode): Uint8Array {
  return node.input.subarray(node.start, node.end);
}

// ---- writer ----

function lengthBytes(len: number): number[] {
  if (len < 0x80) return [len];
  const out: number[] = [];
  for (let l = len; l > 0; l = Math.floor(l / 256)) out.unshift(l & 0xff);
  return [0x80 | out.length, ...out];
}

/** Tag-length-value with a single-byte tag. */
export function tlv(tag: number, ...contents: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const c of contents) len += c.length;
  const head = [tag, ...lengthBytes(len)];
  const out = new Uint8Array(head.length + len);
  out.set(head, 0);
  let o = head.length;
  for (const c of contents) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** SEQUENCE of already-encoded elements. */
export function derSequence(...items: Uint8Array[]): Uint8Array {
  return tlv(0x30, ...items);
}

/** INTEGER of a non-negative bigint, minimal with a 0x00 sign byte when the top bit is set. */
export function derUnsigned(n: bigint): Uint8Array {
  const b = bigIntToMinimalBytes(n);
  return b[0]! & 0x80 ? tlv(TAG.INTEGER, Uint8Array.of(0), b) : tlv(TAG.INTEGER, b);
}

/** OCTET STRING. */
export function derOctets(bytes: Uint8Array): Uint8Array {
  return tlv(TAG.OCTET_STRING, bytes);
}

/** BIT STRING with no unused bits. */
export function derBitString(bytes: Uint8Array): Uint8Array {
  return tlv(TAG.BIT_STRING, Uint8Array.of(0), bytes);
}
