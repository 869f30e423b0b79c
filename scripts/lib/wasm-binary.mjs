// The WebAssembly binary encodings both module generators need (scripts/gen-gbk-wasm.mjs,
// scripts/gen-mont-wasm.mjs): LEB128 integers, vectors, sections and names (WebAssembly core
// specification, "Binary Format", 5.1–5.2 and 5.5).

/** Unsigned LEB128 of a non-negative integer below 2^32. */
export const uleb = (n) => {
  const out = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};

/** Signed LEB128 of a number or bigint (i32 and i64 constants). */
export const sleb = (v) => {
  let n = BigInt(v);
  const out = [];
  for (;;) {
    const b = Number(n & 0x7fn);
    n >>= 7n;
    if ((n === 0n && !(b & 0x40)) || (n === -1n && b & 0x40)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
};

/** A vector: its length, then its items (each an array of bytes). */
export const vec = (items) => [...uleb(items.length), ...items.flat()];

/** A section: its id, its size, then its bytes. */
export const section = (id, bytes) => [id, ...uleb(bytes.length), ...bytes];

/** A name (ASCII here). */
export const name = (s) => vec([...s].map((c) => [c.charCodeAt(0)]));
