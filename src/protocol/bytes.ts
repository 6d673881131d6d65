// Byte and text codecs used by the wire formats: hex, base64, base64url, UTF-8, and the
// two JSON serialisations (compact, and Python's sorted-keys + ASCII-escaped form).
import { bytesToHex, hexToBytes as nobleHexToBytes } from "@noble/hashes/utils.js";

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
      if (d >= 0xdc00 && d <= 0xdfff) { n += 4; i++; } else n += 3;
    } else n += 3;
  }
  return n;
};

export const toHex = (b: Uint8Array): string => bytesToHex(b);
const HEX_RE = /^(?:[0-9a-fA-F]{2})*$/;
export const isHex = (s: string): boolean => HEX_RE.test(s);
export function fromHex(s: string): Uint8Array {
  if (!isHex(s)) throw new Error("invalid hex");
  return nobleHexToBytes(s);
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64_LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64_LOOKUP[B64.charCodeAt(i)] = i;

export function toBase64(b: Uint8Array): string {
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

/** Python `json.dumps(v, sort_keys=True, separators=(",", ":"))` with ensure_ascii. */
export function jsonPython(v: unknown): string {
  return asciiEscape(JSON.stringify(sortKeys(v)));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

/** Escape every non-ASCII UTF-16 unit as \uXXXX (Python ensure_ascii). */
export function asciiEscape(json: string): string {
  return json.replace(/[\u0080-\uffff]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
}

export const concatBytes = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
};
