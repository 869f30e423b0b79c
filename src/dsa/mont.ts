/**
 * Montgomery arithmetic modulo a DSA prime p in WebAssembly (the module is assembled by
 * scripts/gen-mont-wasm.mjs, which shows it in WAT), and the choice between it and plain `bigint`.
 *
 * Why: `a * b % p` on bigint costs ~1.2 µs at 1024 bits (most of it in the division) and leaves
 * DSA no margin over OpenSSL on a busy machine; the module's multiplication (28-bit limbs, SIMD
 * 32×32→64-bit products, no division) takes 0.6–0.8 µs (bench/mont-mul.mjs), and its tables are 4 bytes per 28
 * bits, small enough to stay in a core's L2 cache (≤ 1 MB per key or domain, domain-tables.ts).
 *
 * Where it is used: wherever the runtime compiles the module synchronously — Node, Deno, Bun,
 * browsers and their workers, edge-runtime. Elsewhere the same exponentiations run on bigint
 * (comb.ts, multiexp.ts, arith.ts), with the same results: no `WebAssembly` at all, Cloudflare
 * workerd (which refuses code generation at run time), a Content-Security-Policy without
 * `'wasm-unsafe-eval'` (in a browser extension not even tried, see extensionRefusesWasm), no SIMD, a
 * big-endian platform. The choice is made once, at the first exponentiation.
 *
 * Timing: a multiplication runs the same instructions for every operand of its size (no final
 * subtraction: values stay in [0, 2p), since R = 2^(28n) > 4p), unlike bigint, whose cost depends on
 * the operands. What stays visible: which table entry a signature reads (cache timing on the same
 * machine; the nonce is blinded, so the entries change with every signature), and the conversions
 * between bigint and limbs at both ends of an exponentiation. This is not a constant-time
 * implementation.
 *
 * Memory: one instance per space (a key's or domain's tables, or the scratch space of the
 * table-free exponentiations), whose memory goes with it when the space is dropped.
 * @module
 */
import { extensionRefusesWasm } from '../internal/wasm-policy.js';
import { fromBase64 } from '../wire/base64.js';
import { MONT_FREE, MONT_WASM } from './mont-wasm-bytes.js';

/** Bits per limb. */
const W = 28;
const MASK = 0xfffffff;
const PAGE = 65536;
/** Most multiplications one {@link MontSpace.chain} call takes (a 3072/256 ladder needs 405). */
export const LIST_MAX = 1024;

/** @internal Which arithmetic the DSA exponentiations use. */
export type DsaEngine = 'wasm' | 'bigint';

let module: WebAssembly.Module | null | undefined;
let forced: DsaEngine | undefined;

function compile(): WebAssembly.Module | null {
  if (typeof WebAssembly !== 'object' || typeof WebAssembly.Module !== 'function') return null;
  if (extensionRefusesWasm()) return null;
  if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) return null; // limbs are little-endian words
  const bytes = fromBase64(MONT_WASM);
  if (!bytes) return null;
  try {
    return new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
  } catch {
    return null; // refused by the embedder or a CSP, or no SIMD: bigint is used
  }
}

/** The compiled module, or null where the runtime refuses it (decided once). */
function montModule(): WebAssembly.Module | null {
  if (module === undefined) module = compile();
  return module;
}

/** @internal The engine the next exponentiation uses. */
export function dsaEngine(): DsaEngine {
  if (forced) return forced;
  return montModule() ? 'wasm' : 'bigint';
}

const forgetters: (() => void)[] = [];

/** @internal Registers what `setDsaEngine` calls to drop every table built so far. */
export function onEngineChange(forget: () => void): void {
  forgetters.push(forget);
}

/**
 * @internal Test and benchmark hook: use `engine` from now on (`undefined`: the runtime's choice)
 * and forget every table built so far (keys and domains build theirs again, on the new engine).
 * Returns false, and changes nothing, when `wasm` is asked for where the runtime refuses it.
 */
export function setDsaEngine(engine: DsaEngine | undefined): boolean {
  if (engine === 'wasm' && !montModule()) return false;
  forced = engine;
  for (const forget of forgetters) forget();
  return true;
}

/** Limbs of p, the smallest n with 28·n ≥ L + 2 (so that R = 2^(28n) > 4p). */
export function limbsFor(p: bigint): number {
  return Math.ceil((p.toString(16).length * 4 + 2) / W);
}

/** Bytes of one number of an L-bit modulus in a space (for table budgets). */
export function montBytes(L: number): number {
  return 4 * Math.ceil((L + 2) / W);
}

/** −p⁻¹ mod 2^28, by Newton's iteration on the lowest limb (p is odd). */
function negInverse(p0: number): number {
  let x = p0; // correct to 3 bits for odd p0
  for (let i = 0; i < 5; i++) x = Math.imul(x, 2 - Math.imul(p0, x));
  return -x & MASK;
}

/**
 * A modulus and numbers modulo it, in Montgomery form (x·R mod p, in [0, 2p)), in the memory of one
 * instance of the module. Numbers are addressed by byte offset; `alloc` hands out room for them.
 */
export class MontSpace {
  /** Limbs per number. */
  readonly n: number;
  /** Bytes per number (4·n). */
  readonly size: number;
  /** Address of R mod p, the Montgomery form of 1. */
  readonly one: number;
  readonly p: bigint;
  private readonly ctx = MONT_FREE;
  private readonly r2: number;
  private readonly unit: number;
  private readonly tmp: number;
  private readonly memory: WebAssembly.Memory;
  private readonly run: (r: number, a: number, b: number, ctx: number) => void;
  private readonly runChain: (list: number, count: number, r: number, ctx: number) => void;
  private u32: Uint32Array;
  private next: number;
  /** Address of the list of multiplications for {@link chain} (LIST_MAX words). */
  private readonly list: number;

  /** A space for p with room for `count` numbers besides its own. Throws where the module is refused. */
  constructor(p: bigint, count = 0) {
    const mod = montModule();
    if (!mod) throw new Error('MontSpace: WebAssembly is not available');
    const inst = new WebAssembly.Instance(mod, {});
    this.memory = inst.exports.memory as WebAssembly.Memory;
    this.run = inst.exports.mul as (r: number, a: number, b: number, ctx: number) => void;
    this.runChain = inst.exports.chain as (list: number, count: number, r: number, ctx: number) => void;
    this.p = p;
    const n = limbsFor(p);
    this.n = n;
    this.size = 4 * n;
    // Context: n, −p⁻¹ mod 2^28, p's lowest limb, 0, p's limbs most significant first, 4 zero words.
    this.list = this.ctx + 16 + 4 * (n + 4);
    this.next = this.list + 4 * LIST_MAX;
    this.u32 = new Uint32Array(this.memory.buffer);
    this.reserve(count + 3);
    const limbs = new Uint32Array(n);
    this.write(limbs, p);
    const c = this.ctx >> 2;
    this.u32[c] = n;
    this.u32[c + 1] = negInverse(limbs[0]!);
    this.u32[c + 2] = limbs[0]!;
    for (let i = 0; i < n; i++) this.u32[c + 4 + i] = limbs[n - 1 - i]!;
    this.r2 = this.alloc(1);
    this.unit = this.alloc(1);
    this.one = this.alloc(1);
    this.tmp = this.alloc(1);
    const R = 1n << BigInt(W * n);
    this.store(this.r2, (R * R) % p);
    this.store(this.unit, 1n);
    this.store(this.one, R % p);
  }

  /** Makes room for `count` more numbers (grows the memory once). */
  reserve(count: number): void {
    const need = this.next + count * this.size + 16; // a 16-byte load may read past the last number
    const have = this.memory.buffer.byteLength;
    if (need > have) {
      this.memory.grow(Math.ceil((need - have) / PAGE));
      this.u32 = new Uint32Array(this.memory.buffer);
    }
  }

  /** Room for `count` consecutive numbers; returns the first one's address. */
  alloc(count: number): number {
    this.reserve(count);
    const at = this.next;
    this.next += count * this.size;
    return at;
  }

  /** r := a·b·R⁻¹ mod p (r may be a or b). */
  mul(r: number, a: number, b: number): void {
    this.run(r, a, b, this.ctx);
  }

  /**
   * r := r·b_0·R⁻¹, then r·b_1·R⁻¹, … for the first `count` addresses of `ops` (≤ LIST_MAX; an
   * address equal to r squares), in one call into the module.
   */
  chain(r: number, ops: Uint32Array | number[], count: number): void {
    if (count > LIST_MAX) throw new RangeError('MontSpace.chain: too many multiplications');
    const at = this.list >> 2;
    for (let i = 0; i < count; i++) this.u32[at + i] = ops[i]!;
    this.runChain(this.list, count, r, this.ctx);
  }

  /** Copies the number at `from` to `to`. */
  copy(to: number, from: number): void {
    this.u32.copyWithin(to >> 2, from >> 2, (from >> 2) + this.n);
  }

  /** Stores x mod p at `at` in Montgomery form. */
  set(at: number, x: bigint): void {
    this.store(at, x % this.p);
    this.run(at, at, this.r2, this.ctx);
  }

  /** The number at `at` as a bigint in [0, p) (out of Montgomery form). */
  get(at: number): bigint {
    this.run(this.tmp, at, this.unit, this.ctx);
    // a·1·R⁻¹ with a < 2p is below p + 1, and equal to p only for a ≡ 0, which no unit is.
    const v = this.read(this.tmp);
    return v === this.p ? 0n : v;
  }

  /** Writes x (0 ≤ x < 2^(28n)) as limbs, from its hexadecimal digits (7 per limb). */
  private write(to: Uint32Array, x: bigint): void {
    const h = x.toString(16);
    for (let i = 0, end = h.length; i < to.length; i++, end -= 7) {
      // Digits straight from char codes: parseInt of a slice costs twice as much.
      let v = 0;
      for (let j = Math.max(0, end - 7); j < end; j++) {
        const c = h.charCodeAt(j);
        v = v * 16 + (c < 58 ? c - 48 : c - 87);
      }
      to[i] = v;
    }
  }

  private store(at: number, x: bigint): void {
    this.write(this.u32.subarray(at >> 2, (at >> 2) + this.n), x);
  }

  private read(at: number): bigint {
    // A shift and an OR per limb: half the time of building 7 hex digits per limb and parsing them.
    const w = at >> 2;
    let v = 0n;
    for (let i = this.n - 1; i >= 0; i--) v = (v << 28n) | BigInt(this.u32[w + i]!);
    return v;
  }
}
