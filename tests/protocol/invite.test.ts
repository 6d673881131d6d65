// Invite codes (PROTOCOL-V1.md §2) and the host:port form of their peer field.
import { describe, expect, test } from "bun:test";
import {
  decodeInvite,
  encodeInvite,
  fromBase64Url,
  isRelayUrl,
  parseHostPort,
  toBase64Url,
} from "../../src/protocol/index.ts";
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
    test(c.name, () =>
      expect(decodeInvite(c.code)).toEqual({ ok: true, value: { secretHex: c.secret_hex, peer: c.peer } }),
    );
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

describe("felund extension: owner key in felund1. codes", () => {
  const secret = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
  const owner = "ab".repeat(32);
  test("without an owner the code is byte-exact the reference form", () => {
    expect(encodeInvite(secret, "127.0.0.1:9999")).toBe(
      "felund1.eyJ2IjoxLCJzZWNyZXQiOiIwMDAxMDIwMzA0MDUwNjA3MDgwOTBhMGIwYzBkMGUwZjEwMTExMjEzMTQxNTE2MTcxODE5MWExYjFjMWQxZTFmIiwicGVlciI6IjEyNy4wLjAuMTo5OTk5In0",
    );
  });
  test("the owner rides after v, secret, peer and round-trips", () => {
    const code = encodeInvite(secret, "127.0.0.1:9999", owner);
    const json = new TextDecoder().decode(fromBase64Url(code.slice(8)));
    expect(json).toBe(`{"v":1,"secret":"${secret}","peer":"127.0.0.1:9999","owner":"${owner}"}`);
    const d = decodeInvite(code);
    expect(d.ok && d.value).toEqual({ secretHex: secret, peer: "127.0.0.1:9999", owner });
  });
  test("a malformed owner is ignored, as originals ignore unknown keys", () => {
    for (const bad of ["xyz", 5, "AB".repeat(32), "ab".repeat(31)]) {
      const code =
        "felund1." + toBase64Url(new TextEncoder().encode(JSON.stringify({ v: 1, secret, peer: "h:1", owner: bad })));
      const d = decodeInvite(code);
      expect(d.ok && d.value).toEqual({ secretHex: secret, peer: "h:1" });
    }
  });
});
