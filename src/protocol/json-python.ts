// Python's `json.dumps(v, sort_keys=True, separators=(",", ":"))` (ensure_ascii), the form in
// which the reference writes v1 control messages (control.ts), byte for byte.

/**
 * Python `json.dumps(v, sort_keys=True, separators=(",", ":"))` with ensure_ascii.
 * Serialised by hand: a JS object iterates integer-like keys ("9" before "10") ahead of
 * the others, and Array.sort compares UTF-16 units, while Python sorts by code point.
 * (A JS number cannot say whether Python held 1 or 1.0; integers are written as ints.)
 */
export function jsonPython(v: unknown): string {
  return pyDump(v) ?? "null";
}

function pyDump(v: unknown): string | undefined {
  if (Array.isArray(v)) return "[" + v.map((x) => pyDump(x) ?? "null").join(",") + "]";
  if (v && typeof v === "object") {
    const parts: string[] = [];
    for (const k of Object.keys(v).sort(byCodePoint)) {
      const s = pyDump((v as Record<string, unknown>)[k]);
      if (s !== undefined) parts.push(asciiEscape(JSON.stringify(k)) + ":" + s);
    }
    return "{" + parts.join(",") + "}";
  }
  const s = JSON.stringify(v);
  return s === undefined ? undefined : asciiEscape(s);
}

function byCodePoint(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return (x.done ? 0 : 1) - (y.done ? 0 : 1);
    const d = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}

/** Escape every UTF-16 unit outside printable ASCII as \uXXXX (Python ensure_ascii escapes DEL too). */
export function asciiEscape(json: string): string {
  return json.replace(/[\u007f-\uffff]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
}
