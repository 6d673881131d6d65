// Byte and text codecs used by the wire formats: hex, base64, base64url, UTF-8, compact JSON.
// (Python's sorted-keys + ASCII-escaped JSON, which only v1 control messages use, is in
// json-python.ts.)

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
export const fromUtf8 = (b: Uint8Array): string => new TextDecoder("utf-8", { fatal: true }).decode(b);
export const utf8Length = (s: string): number => {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
};

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
/** the runtime's own Uint8Array toHex / toBase64 (ES2026; Bun, current browsers): the same text, in native code */
const native = Uint8Array.prototype as unknown as { toHex?: () => string; toBase64?: () => string };
const nativeHex = native.toHex;
const nativeB64 = native.toBase64;
export function toHex(b: Uint8Array): string {
  if (nativeHex) return nativeHex.call(b);
  let s = "";
  for (let i = 0; i < b.length; i++) s += HEX[b[i]!];
  return s;
}
const HEX_RE = /^(?:[0-9a-fA-F]{2})*$/;
export const isHex = (s: string): boolean => HEX_RE.test(s);
export function fromHex(s: string): Uint8Array {
  if (!isHex(s)) throw new Error("invalid hex");
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64_LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64_LOOKUP[B64.charCodeAt(i)] = i;

export function toBase64(b: Uint8Array): string {
  if (nativeB64) return nativeB64.call(b);
  let out = "";
  let i = 0;
  for (; i + 2 < b.length; i += 3) {
    const n = (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!;
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + B64[n & 63]!;
  }
  const rest = b.length - i;
  if (rest === 1) {
    const n = b[i]! << 16;
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + "==";
  } else if (rest === 2) {
    const n = (b[i]! << 16) | (b[i + 1]! << 8);
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + "=";
  }
  return out;
}

/** Strict standard base64 (padding required, no whitespace). Throws on anything else. */
export function fromBase64(s: string): Uint8Array {
  if (s.length % 4 !== 0) throw new Error("invalid base64 length");
  let pad = 0;
  if (s.endsWith("==")) pad = 2;
  else if (s.endsWith("=")) pad = 1;
  const out = new Uint8Array((s.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < s.length; i += 4) {
    let n = 0;
    for (let j = 0; j < 4; j++) {
      const ch = s.charCodeAt(i + j);
      let v: number;
      if (ch === 61 /* = */ && i + 4 === s.length && j >= 4 - pad) v = 0;
      else {
        v = ch < 128 ? B64_LOOKUP[ch]! : -1;
        if (v < 0) throw new Error("invalid base64 character");
      }
      n = (n << 6) | v;
    }
    if (o < out.length) out[o++] = (n >> 16) & 255;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}

export const toBase64Url = (b: Uint8Array): string =>
  toBase64(b).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

/** base64url without padding; re-pads. Characters outside the alphabet are an error. */
export function fromBase64Url(s: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) throw new Error("invalid base64url character");
  if (s.length % 4 === 1) throw new Error("invalid base64url length");
  const std = s.replace(/-/g, "+").replace(/_/g, "/");
  return fromBase64(std + "=".repeat((4 - (std.length % 4)) % 4));
}

/** JSON with no whitespace (JSON.stringify already is compact). */
export const jsonCompact = (v: unknown): string => JSON.stringify(v);

export const concatBytes = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};
