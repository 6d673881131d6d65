// Small checks shared by the relay services. Lengths are in UTF-8 bytes, as the PHP relay
// counts them (strlen); the Elysia models check the same bounds in characters first.

// eslint-disable-next-line no-control-regex
const NON_ASCII = /[^\x00-\x7f]/;

export function byteLength(s: string): number {
  return NON_ASCII.test(s) ? Buffer.byteLength(s) : s.length;
}

export function isIdOfBytes(v: unknown, min: number, max: number): v is string {
  if (typeof v !== "string" || v.length < Math.ceil(min / 4) || v.length > max) return false;
  const n = byteLength(v);
  return n >= min && n <= max;
}

/** PHP's (int) cast of a query parameter: leading integer digits, anything else is 0. */
export function intCast(v: string | undefined | null): number {
  if (v === undefined || v === null) return 0;
  const m = /^\s*([+-]?\d+)/.exec(v);
  if (!m) return 0;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) ? n : n > 0 ? Number.MAX_SAFE_INTEGER : -Number.MAX_SAFE_INTEGER;
}

export const clamp = (n: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, n));
