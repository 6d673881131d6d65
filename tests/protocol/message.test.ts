// v1 message objects (PROTOCOL-V1.md §4.1-4.3): MAC input and value, byte-exact wire JSON, and
// every type check of parseWireMessage.
import { describe, expect, test } from "bun:test";
import {
  asciiEscape,
  computeMac,
  macInput,
  parseWireMessage,
  toHex,
  toWireV1,
  utf8,
  verifyMac,
} from "../../src/protocol/index.ts";
import { chatFromWire, coveredFields, hex, loadVectors, withRegressions } from "./vectors.ts";

const v = loadVectors("v1-message");
const secret = hex(v.secret_hex);

describe("valid messages", () => {
  for (const c of withRegressions(v, "valid")) {
    const m = chatFromWire(c.message);
    test(`mac input and mac: ${c.name}`, () => {
      expect(macInput(m)).toBe(c.mac_input);
      expect(toHex(utf8(macInput(m)))).toBe(c.mac_input_utf8_hex);
      expect(computeMac(secret, m)).toBe(c.mac);
      expect(verifyMac(secret, m)).toBe(true);
    });
    test(`wire JSON byte-exact: ${c.name}`, () => {
      const wire = { ...toWireV1(m), schema_version: c.message.schema_version };
      if (c.message.schema_version === 1) expect(JSON.stringify(toWireV1(m))).toBe(c.wire_json);
      expect(JSON.stringify(wire)).toBe(c.wire_json);
      expect(asciiEscape(JSON.stringify(wire))).toBe(c.wire_json_python);
    });
    test(`parse (raw and Python-escaped JSON): ${c.name}`, () => {
      for (const text of [c.wire_json, c.wire_json_python]) {
        const r = parseWireMessage(JSON.parse(text));
        expect(r).toEqual({ ok: true, value: m });
        if (r.ok) expect(verifyMac(secret, r.value)).toBe(true);
      }
    });
  }
});

describe("defaults of optional keys", () => {
  for (const c of withRegressions(v, "minimal")) {
    test(c.name, () => {
      const r = parseWireMessage(c.message);
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(coveredFields(r.value)).toMatchObject(
        Object.fromEntries(Object.entries(c.expected).filter(([k]) => k !== "mac")),
      );
      expect(r.value.mac).toBe(c.expected.mac ?? null);
      expect(verifyMac(secret, r.value)).toBe(c.expected.mac != null);
    });
  }
});

describe("parseWireMessage rejects", () => {
  for (const c of withRegressions(v, "parse_invalid")) {
    test(c.name, () => {
      const r = parseWireMessage(c.message);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.kind).toBe("reject");
    });
  }
});

describe("MAC verification fails", () => {
  for (const c of withRegressions(v, "mac_invalid")) {
    test(c.name, () => {
      const r = parseWireMessage(c.message);
      expect(r.ok).toBe(true);
      if (r.ok) expect(verifyMac(secret, r.value)).toBe(false);
    });
  }
});
