// The canonical binary encoding of felund v2 (docs/PROTOCOL.md §2). Every structure that is
// signed, MACed or encrypted is written with this Writer: fixed-width big-endian integers,
// fixed-size keys, and u32-length-prefixed byte strings / UTF-8 strings, in a fixed field
// order behind a domain tag. One value has exactly one encoding, and no two field lists share
// one (no "|"-joined strings, PROTOCOL-V1.md W7). The Reader refuses truncated input, oversized
// declared lengths, invalid UTF-8 and trailing bytes with a V2DecodeError.
import { ProtocolError } from "../verdict.ts";
import { V2_FIELD_MAX, V2_LIST_MAX } from "../limits.ts";

export class V2DecodeError extends ProtocolError {
  constructor(message: string) {
    super(message);
    this.name = "V2DecodeError";
  }
}

const enc = new TextEncoder();
const dec = new TextDecoder("utf-8", { fatal: true });

export class Writer {
  private buf = new Uint8Array(256);
  private n = 0;

  private room(k: number): void {
    if (this.n + k <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.n + k) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.buf.subarray(0, this.n));
    this.buf = b;
  }
  u8(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new RangeError(`u8 out of range: ${v}`);
    this.room(1);
    this.buf[this.n++] = v;
    return this;
  }
  u16(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new RangeError(`u16 out of range: ${v}`);
    this.room(2);
    this.buf[this.n++] = v >>> 8;
    this.buf[this.n++] = v & 0xff;
    return this;
  }
  u32(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`u32 out of range: ${v}`);
    this.room(4);
    new DataView(this.buf.buffer).setUint32(this.n, v);
    this.n += 4;
    return this;
  }
  /** unsigned 64-bit; JS callers stay within Number.MAX_SAFE_INTEGER */
  u64(v: number): this {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`u64 out of range: ${v}`);
    this.room(8);
    const dv = new DataView(this.buf.buffer);
    dv.setUint32(this.n, Math.floor(v / 2 ** 32));
    dv.setUint32(this.n + 4, v >>> 0);
    this.n += 8;
    return this;
  }
  /** fixed-size field: the length is part of the structure's definition, not written */
  fixed(b: Uint8Array, len: number): this {
    if (b.length !== len) throw new RangeError(`fixed field must be ${len} bytes, got ${b.length}`);
    this.room(len);
    this.buf.set(b, this.n);
    this.n += len;
    return this;
  }
  bytes(b: Uint8Array): this {
    this.u32(b.length);
    this.room(b.length);
    this.buf.set(b, this.n);
    this.n += b.length;
    return this;
  }
  str(s: string): this {
    return this.bytes(enc.encode(s));
  }
  /** unsigned LEB128 varint (used only where compactness matters: reconciliation bounds) */
  uvar(v: number): this {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`varint out of range: ${v}`);
    while (v >= 0x80) {
      this.u8((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    return this.u8(v);
  }
  /** raw bytes with no length (only for a trailing part whose length the container gives) */
  raw(b: Uint8Array): this {
    this.room(b.length);
    this.buf.set(b, this.n);
    this.n += b.length;
    return this;
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.n);
  }
}

export class Reader {
  private o = 0;
  constructor(
    private b: Uint8Array,
    private what = "v2 structure",
  ) {}

  private need(k: number): void {
    if (this.o + k > this.b.length) throw new V2DecodeError(`${this.what}: truncated`);
  }
  get remaining(): number {
    return this.b.length - this.o;
  }
  get offset(): number {
    return this.o;
  }
  u8(): number {
    this.need(1);
    return this.b[this.o++]!;
  }
  u16(): number {
    this.need(2);
    const v = (this.b[this.o]! << 8) | this.b[this.o + 1]!;
    this.o += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = new DataView(this.b.buffer, this.b.byteOffset).getUint32(this.o);
    this.o += 4;
    return v;
  }
  u64(): number {
    this.need(8);
    const dv = new DataView(this.b.buffer, this.b.byteOffset);
    const hi = dv.getUint32(this.o);
    const lo = dv.getUint32(this.o + 4);
    this.o += 8;
    if (hi > 0x1fffff) throw new V2DecodeError(`${this.what}: integer too large`);
    return hi * 2 ** 32 + lo;
  }
  uvar(): number {
    let v = 0;
    for (let shift = 0; shift < 56; shift += 7) {
      const b = this.u8();
      v += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) {
        if (b === 0 && shift > 0) throw new V2DecodeError(`${this.what}: non-minimal varint`);
        if (!Number.isSafeInteger(v)) throw new V2DecodeError(`${this.what}: varint too large`);
        return v;
      }
    }
    throw new V2DecodeError(`${this.what}: varint too long`);
  }
  fixed(len: number): Uint8Array {
    this.need(len);
    const v = this.b.slice(this.o, this.o + len);
    this.o += len;
    return v;
  }
  bytes(max = V2_FIELD_MAX): Uint8Array {
    const len = this.u32();
    if (len > max) throw new V2DecodeError(`${this.what}: field too long (${len} > ${max})`);
    return this.fixed(len);
  }
  str(max = V2_FIELD_MAX): string {
    const b = this.bytes(max);
    try {
      return dec.decode(b);
    } catch {
      throw new V2DecodeError(`${this.what}: invalid UTF-8`);
    }
  }
  /** a list count, bounded before anything is allocated */
  count(max = V2_LIST_MAX): number {
    const n = this.u32();
    if (n > max) throw new V2DecodeError(`${this.what}: too many items (${n} > ${max})`);
    return n;
  }
  rest(): Uint8Array {
    const v = this.b.slice(this.o);
    this.o = this.b.length;
    return v;
  }
  end(): void {
    if (this.o !== this.b.length) throw new V2DecodeError(`${this.what}: ${this.b.length - this.o} trailing bytes`);
  }
}

/** Domain-separation tags: every signed / MACed / derived thing starts with one of these. */
export const TAG = {
  msg: "felund2/msg",
  msgId: "felund2/msg-id",
  card: "felund2/card",
  hs: "felund2/hs",
  hsSigI: "felund2/hs-sig-initiator",
  hsSigR: "felund2/hs-sig-responder",
  hsMacI: "felund2/hs-mac-initiator",
  hsMacR: "felund2/hs-mac-responder",
  env: "felund2/envelope",
  invite: "felund2/invite",
  inviteId: "felund2/invite-id",
  inviteCheck: "felund2/invite-check",
  seal: "felund2/seal",
} as const;

export const tagged = (tag: string): Writer => new Writer().str(tag);
