/**
 * DER reading (on asn1js) and writing for the few ASN.1 types keys are made of: SEQUENCE, INTEGER,
 * OBJECT IDENTIFIER, OCTET STRING, BIT STRING.
 *
 * Reading goes through asn1js, which is a BER parser and so more lenient than DER (it accepts
 * indefinite and non-minimal lengths and non-minimal integers). Strictness is restored by the
 * format modules: after extracting the components they re-encode them with the writer below and
 * require the input to be byte-identical ({@link checkCanonical}). The writer produces exactly the
 * DER OpenSSL produces. Neither half is a general ASN.1 library.
 * @module
 */
import { fromBER, type BaseBlock } from 'asn1js';
import { bigIntToMinimalBytes, bytesToBigInt } from '../dsa/arith.js';
import { invalidKey } from './errors.js';

/** A parsed ASN.1 node (an asn1js block). */
export type AsnNode = BaseBlock;

/** Universal tag numbers used by key structures. */
export const TAG = { INTEGER: 2, BIT_STRING: 3, OCTET_STRING: 4, NULL: 5, OID: 6, SEQUENCE: 16 } as const;

const TAG_NAMES: Record<number, string> = { 2: 'INTEGER', 3: 'BIT STRING', 4: 'OCTET STRING', 5: 'NULL', 6: 'OBJECT IDENTIFIER', 16: 'SEQUENCE' };

/**
 * Parses one complete BER/DER structure. Rejects malformed or truncated input and trailing bytes.
 * @param what names the structure in error messages.
 */
export function parseDer(bytes: Uint8Array, what: string): AsnNode {
  if (bytes.length === 0) throw invalidKey(`${what}: empty DER`, 'input');
  let parsed: ReturnType<typeof fromBER>;
  try {
    parsed = fromBER(bytes, { parseEmbedded: false });
  } catch {
    // asn1js throws (instead of reporting) on some malformed content, e.g. a bad GeneralizedTime.
    throw invalidKey(`${what}: malformed DER (unparseable content)`, 'input');
  }
  const { offset, result } = parsed;
  if (offset === -1) {
    // asn1js errors are fixed strings (no data), e.g. "End of input reached before message was fully decoded".
    throw invalidKey(`${what}: malformed or truncated DER (${result.error || 'unparseable'})`, 'input');
  }
  if (offset !== bytes.length) {
    const n = bytes.length - offset;
    throw invalidKey(`${what}: ${n} byte${n === 1 ? '' : 's'} of trailing data after the DER structure (at byte ${offset})`, 'input');
  }
  return result;
}

/** True if `node` is a universal-class element with the given tag number. */
export function isUniversal(node: AsnNode | undefined, tag: number): boolean {
  return node !== undefined && node.idBlock.tagClass === 1 && node.idBlock.tagNumber === tag;
}

/** True if `node` is a context-specific element `[n]`. */
export function isContext(node: AsnNode | undefined, n: number): boolean {
  return node !== undefined && node.idBlock.tagClass === 3 && node.idBlock.tagNumber === n;
}

function describe(node: AsnNode | undefined): string {
  if (node === undefined) return 'nothing';
  const { tagClass, tagNumber } = node.idBlock;
  if (tagClass === 1) return TAG_NAMES[tagNumber] ?? `universal tag ${tagNumber}`;
  if (tagClass === 3) return `[${tagNumber}]`;
  return `tag ${tagNumber} of class ${tagClass}`;
}

function expect(node: AsnNode | undefined, tag: number, what: string, constructed: boolean): asserts node is AsnNode {
  if (!isUniversal(node, tag)) throw invalidKey(`${what}: expected ${TAG_NAMES[tag]}, found ${describe(node)}`, 'input');
  if (node!.idBlock.isConstructed !== constructed) {
    throw invalidKey(`${what}: ${TAG_NAMES[tag]} must use the ${constructed ? 'constructed' : 'primitive'} encoding`, 'input');
  }
}

/** The elements of a SEQUENCE. */
export function sequenceItems(node: AsnNode | undefined, what: string): AsnNode[] {
  expect(node, TAG.SEQUENCE, what, true);
  return (node as unknown as { valueBlock: { value: AsnNode[] } }).valueBlock.value;
}

/** The content bytes of a primitive element. */
function contentOf(node: AsnNode): Uint8Array {
  return (node as unknown as { valueBlock: { valueHexView: Uint8Array } }).valueBlock.valueHexView;
}

/**
 * A non-negative INTEGER as a bigint.
 * @param field the key component it is (`p`, `x`, …), used as the error's `field`.
 */
export function readUnsigned(node: AsnNode | undefined, field: string, what: string): bigint {
  if (!isUniversal(node, TAG.INTEGER) || node!.idBlock.isConstructed) {
    throw invalidKey(`${what}: expected INTEGER ${field}, found ${describe(node)}`, field);
  }
  const b = contentOf(node!);
  if (b.length === 0) throw invalidKey(`${what}: INTEGER ${field} has no content`, field);
  if (b[0]! & 0x80) throw invalidKey(`${what}: ${field} is negative`, field);
  return bytesToBigInt(b);
}

/** A small INTEGER (a version number); undefined if it does not fit in 32 bits or is negative. */
export function readSmallInt(node: AsnNode | undefined, what: string): number | undefined {
  if (!isUniversal(node, TAG.INTEGER) || node!.idBlock.isConstructed) {
    throw invalidKey(`${what}: expected INTEGER, found ${describe(node)}`, 'input');
  }
  const b = contentOf(node!);
  if (b.length === 0 || b.length > 4 || b[0]! & 0x80) return undefined;
  return Number(bytesToBigInt(b));
}

/** An OBJECT IDENTIFIER in dotted form. */
export function readOid(node: AsnNode | undefined, what: string): string {
  expect(node, TAG.OID, what, false);
  return (node as unknown as { valueBlock: { toString(): string } }).valueBlock.toString();
}

/** The content of a primitive OCTET STRING. */
export function readOctets(node: AsnNode | undefined, what: string): Uint8Array {
  expect(node, TAG.OCTET_STRING, what, false);
  return contentOf(node);
}

/** The content of a primitive BIT STRING, which must have no unused bits. */
export function readBitString(node: AsnNode | undefined, what: string): Uint8Array {
  expect(node, TAG.BIT_STRING, what, false);
  const unused = (node as unknown as { valueBlock: { unusedBits: number } }).valueBlock.unusedBits;
  if (unused !== 0) throw invalidKey(`${what}: BIT STRING has ${unused} unused bits, expected 0`, 'input');
  return contentOf(node);
}

/** The exact encoded bytes of a node as they appeared in the input. */
export function encodedBytes(node: AsnNode): Uint8Array {
  return node.valueBeforeDecodeView;
}

/**
 * Requires `input` to be byte-identical to `canonical`, the DER re-encoding of what was read from
 * it. Catches every BER-only encoding (long or indefinite lengths, padded integers) in one place.
 */
export function checkCanonical(input: Uint8Array, canonical: Uint8Array, what: string): void {
  const n = Math.min(input.length, canonical.length);
  let i = 0;
  while (i < n && input[i] === canonical[i]) i++;
  if (i === n && input.length === canonical.length) return;
  throw invalidKey(`${what}: not DER (non-canonical encoding, first difference at byte ${i})`, 'input');
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
