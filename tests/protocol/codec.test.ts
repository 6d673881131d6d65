// Byte and text codecs: strict base64, base64url, hex, UTF-8 length and Python-compatible JSON.
import { describe, expect, test } from "bun:test";
import {
  asciiEscape,
  fromBase64,
  fromBase64Url,
  fromHex,
  isHex,
  jsonCompact,
  jsonPython,
  toBase64,
  toBase64Url,
  toHex,
  utf8,
  utf8Length,
} from "../../src/protocol/index.ts";
import { hex, loadVectors, type Json } from "./vectors.ts";

const v = loadVectors("v1-codec");

describe("base64 (standard, padded)", () => {
  for (const c of v.base64 as Json[]) {
    test(`encode/decode ${c.hex || "(empty)"}`, () => {
      expect(toBase64(hex(c.hex))).toBe(c.base64);
      expect(toHex(fromBase64(c.base64))).toBe(c.hex);
    });
  }
  for (const c of v.base64_lenient as Json[]) {
    test(`decode: ${c.name}`, () => expect(toHex(fromBase64(c.base64))).toBe(c.hex));
  }
  for (const c of v.base64_invalid as Json[]) {
    test(`rejects ${c.name}`, () => expect(() => fromBase64(c.input)).toThrow());
  }
  test("round trip of every length 0..64 and all byte values", () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    for (let n = 0; n <= 64; n++) expect(fromBase64(toBase64(all.subarray(n, n + n)))).toEqual(all.subarray(n, n + n));
    expect(fromBase64(toBase64(all))).toEqual(all);
    expect(toBase64(all)).toBe(Buffer.from(all).toString("base64"));
  });
});

describe("base64url (no padding)", () => {
  for (const c of v.base64 as Json[]) {
    test(`encode/decode ${c.hex || "(empty)"}`, () => {
      expect(toBase64Url(hex(c.hex))).toBe(c.base64url);
      expect(toHex(fromBase64Url(c.base64url))).toBe(c.hex);
    });
  }
  for (const c of v.base64url_invalid as Json[]) {
    test(`rejects ${c.name}`, () => expect(() => fromBase64Url(c.input)).toThrow());
  }
  test("round trip of every length 0..64", () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => 255 - i);
    for (let n = 0; n <= 64; n++) {
      const b = all.subarray(n, 2 * n);
      const s = toBase64Url(b);
      expect(s).toMatch(/^[A-Za-z0-9_-]*$/);
      expect(s).toBe(Buffer.from(b).toString("base64url"));
      expect(fromBase64Url(s)).toEqual(b);
    }
  });
});

describe("hex", () => {
  for (const c of v.hex_valid as Json[]) {
    test(`decodes ${JSON.stringify(c.input)}`, () => {
      expect(isHex(c.input)).toBe(true);
      expect(toHex(fromHex(c.input))).toBe(c.hex);
    });
  }
  for (const s of v.hex_invalid as string[]) {
    test(`rejects ${JSON.stringify(s)}`, () => {
      expect(isHex(s)).toBe(false);
      expect(() => fromHex(s)).toThrow();
    });
  }
});

describe("utf8Length", () => {
  for (const s of ["", "a", "é", "✓", "🎉", "héllo ✓ | pipe\nline2", "\ud800", "\udc00x", "a\ud83d"]) {
    test(JSON.stringify(s), () => expect(utf8Length(s)).toBe(utf8(s).length));
  }
});

describe("jsonPython = json.dumps(sort_keys=True, separators=(',', ':'))", () => {
  for (const c of v.json_python as Json[]) {
    test(c.name, () => expect(jsonPython(c.value)).toBe(c.python));
  }
  test("output is pure ASCII and parses back to the value", () => {
    for (const c of v.json_python as Json[]) {
      expect(c.python).toMatch(/^[\x20-\x7e]*$/);
      expect(JSON.parse(jsonPython(c.value))).toEqual(c.value);
    }
  });
  test("undefined members are left out, as JSON.stringify does", () => {
    expect(jsonPython({ b: undefined, a: 1, c: [undefined] })).toBe('{"a":1,"c":[null]}');
  });
});

describe("jsonCompact and asciiEscape", () => {
  test("jsonCompact keeps insertion order and raw UTF-8", () => {
    expect(jsonCompact({ display_name: "Zoë", text: "✓" })).toBe('{"display_name":"Zoë","text":"✓"}');
  });
  test("asciiEscape escapes each UTF-16 unit", () => {
    expect(asciiEscape('"Zoë 🎉\u007f"')).toBe('"Zo\\u00eb \\ud83c\\udf89\\u007f"');
  });
});
