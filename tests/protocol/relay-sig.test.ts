// Signed relay requests (src/protocol/relay-sig.ts) against the newer original's vectors
// (tests/vectors/relay-sig.json, from felund-core-newer.md).
import { describe, expect, test } from "bun:test";
import { toHex } from "../../src/protocol/bytes.ts";
import { sha256Hex } from "../../src/protocol/crypto.ts";
import { circleHint, circleIdFromSecret } from "../../src/protocol/ids.ts";
import {
  isSigningKeyHex,
  relayCanonical,
  relaySignature,
  relaySignatureOk,
  relaySigningKey,
  relaySignHeaders,
} from "../../src/protocol/relay-sig.ts";
import { hex, loadVectors, type Json } from "./vectors.ts";

const v = loadVectors("relay-sig");
const key = relaySigningKey(hex(v.secret_hex));

test("circle id, hint and signing key of the reference secret", () => {
  expect(circleIdFromSecret(v.secret_hex)).toBe(v.circle_id);
  expect(circleHint(v.circle_id)).toBe(v.circle_hint);
  expect(toHex(key)).toBe(v.signing_key);
  expect(sha256Hex("")).toBe(v.empty_body_sha256);
});

describe("each request of the vectors", () => {
  for (const r of v.requests as Json[]) {
    test(r.name, () => {
      const canonical = relayCanonical(r.method, r.path, r.body, v.ts, v.nonce_hex);
      if (r.canonical) expect(canonical).toBe(r.canonical);
      if (r.body_sha256) expect(sha256Hex(r.body)).toBe(r.body_sha256);
      expect(relaySignature(key, canonical)).toBe(r.signature);
      const h = relaySignHeaders({
        key,
        nodeId: v.node_id,
        method: r.method,
        path: r.path,
        body: r.body,
        ts: v.ts,
        nonce: hex(v.nonce_hex),
      });
      expect(h["X-Felund-Signature"]).toBe(r.signature);
      if (r.headers) expect(h).toEqual(r.headers);
      expect(relaySignatureOk(key, canonical, r.signature)).toBe(true);
      expect(relaySignatureOk(key, canonical, r.signature.toUpperCase())).toBe(true);
      expect(relaySignatureOk(key, canonical + "x", r.signature)).toBe(false);
      expect(relaySignatureOk(new Uint8Array(32), canonical, r.signature)).toBe(false);
    });
  }
  test("the register body names the key that signs it", () => {
    const r = (v.requests as Json[]).find((x) => x.path === "/register")!;
    expect(JSON.parse(r.body).signing_key).toBe(v.signing_key);
  });
});

test("signing_key must be 64 hex characters, any case", () => {
  expect(isSigningKeyHex(v.signing_key)).toBe(true);
  expect(isSigningKeyHex(v.signing_key.toUpperCase())).toBe(true);
  expect(isSigningKeyHex(v.signing_key.slice(2))).toBe(false);
  expect(isSigningKeyHex(`${v.signing_key.slice(1)}g`)).toBe(false);
  expect(isSigningKeyHex(7)).toBe(false);
});
