// Address ranges ("10.0.0.0/8", "fd00::/8", "127.0.0.1") for `trust_proxy`: proxy headers are
// believed only from a peer whose socket address is in one of them.
import { FelundError } from "../protocol/errors.ts";

type Range = { bytes: Uint8Array; bits: number };

function v4(s: string): Uint8Array | null {
  const p = s.split(".");
  if (p.length !== 4 || !p.every((x) => /^\d{1,3}$/.test(x) && Number(x) <= 255)) return null;
  return Uint8Array.from(p.map(Number));
}

function v6(s: string): Uint8Array | null {
  if (!/^[0-9a-f:.]+$/i.test(s) || s.split("::").length > 2) return null;
  let tail4: Uint8Array | null = null;
  const lastColon = s.lastIndexOf(":");
  if (s.slice(lastColon + 1).includes(".")) {
    tail4 = v4(s.slice(lastColon + 1));
    if (!tail4) return null;
    s = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const [head, tail] = s.split("::") as [string, string | undefined];
  const hs = head ? head.split(":") : [];
  const ts = tail ? tail.split(":") : [];
  const groups = tail === undefined ? hs : [...hs, ...new Array(8 - hs.length - ts.length).fill("0"), ...ts];
  if (groups.length !== 8 || !groups.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return null;
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const n = Number.parseInt(g, 16);
    out[2 * i] = n >> 8;
    out[2 * i + 1] = n & 255;
  });
  if (tail4) out.set(tail4, 12);
  return out;
}

/** An address as bytes; IPv4-mapped IPv6 addresses count as IPv4. */
export function addressBytes(a: string): Uint8Array | null {
  const s = a.replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  const b4 = v4(s);
  if (b4) return b4;
  const b6 = v6(s);
  if (b6?.slice(0, 10).every((x) => x === 0) && b6[10] === 255 && b6[11] === 255) return b6.slice(12);
  return b6;
}

/** Parse one range; throws E_USAGE naming it when it is not an address or ADDRESS/BITS. */
export function parseRange(text: string): Range {
  const [a, bitsText, extra] = text.trim().split("/");
  const bytes = a ? addressBytes(a) : null;
  const max = bytes ? bytes.length * 8 : 0;
  const bits = bitsText === undefined ? max : /^\d+$/.test(bitsText) ? Number(bitsText) : -1;
  if (!bytes || extra !== undefined || bits < 0 || bits > max)
    throw new FelundError("E_USAGE", `"${text}" is not an address range (ADDRESS or ADDRESS/BITS)`);
  return { bytes, bits };
}

function inRange(b: Uint8Array, r: Range): boolean {
  if (b.length !== r.bytes.length) return false;
  for (let i = 0, left = r.bits; left > 0; i++, left -= 8) {
    const mask = left >= 8 ? 255 : (255 << (8 - left)) & 255;
    if ((b[i]! & mask) !== (r.bytes[i]! & mask)) return false;
  }
  return true;
}

/** A test of socket addresses against the ranges (parsed once). */
export function rangeMatcher(ranges: readonly string[]): (address: string) => boolean {
  const rs = ranges.map(parseRange);
  return (address) => {
    const b = addressBytes(address);
    return !!b && rs.some((r) => inRange(b, r));
  };
}
