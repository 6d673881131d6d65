// Invite codes (reference §2) and the host:port form of their peer field.
import { describe, expect, test } from "bun:test";
import { decodeInvite, encodeInvite, isRelayUrl, parseHostPort } from "../../src/protocol/index.ts";
import { loadVectors, withRegressions, type Json } from "./vectors.ts";

const v = loadVectors("v1-invite");

describe("encodeInvite", () => {
  for (const c of v.encode as Json[]) {
    test(c.name, () => {
      expect(encodeInvite(c.secret_hex, c.peer)).toBe(c.code);
      expect(c.code).toBe("felund1." + Buffer.from(c.payload_json).toString("base64url"));
      expect(decodeInvite(c.code)).toEqual({ ok: true, value: { secretHex: c.secret_hex, peer: c.peer } });
    });
  }
});

describe("decodeInvite accepts", () => {
  for (const c of withRegressions(v, "decode_valid")) {
    test(c.name, () => expect(decodeInvite(c.code)).toEqual({ ok: true, value: { secretHex: c.secret_hex, peer: c.peer } }));
  }
});

describe("decodeInvite rejects", () => {
  for (const c of withRegressions(v, "decode_invalid")) {
    test(c.name, () => {
      const r = decodeInvite(c.code);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.kind).toBe("reject");
        expect(r.reason.length).toBeGreaterThan(0);
      }
    });
  }
  test("a non-string argument", () => {
    expect(decodeInvite(42 as unknown as string).ok).toBe(false);
  });
});

describe("parseHostPort", () => {
  for (const c of v.host_port_valid as Json[]) {
    test(JSON.stringify(c.input), () => expect(parseHostPort(c.input)).toEqual({ host: c.host, port: c.port }));
  }
  for (const c of v.host_port_invalid as Json[]) {
    test(`rejects ${c.name}`, () => expect(parseHostPort(c.input)).toBeNull());
  }
});

test("isRelayUrl", () => {
  for (const s of ["http://a", "https://a/b", "//a"]) expect(isRelayUrl(s)).toBe(true);
  for (const s of ["relay", "ftp://a", "a:1", "", "/a", "HTTPS://a"]) expect(isRelayUrl(s)).toBe(false);
});
