// Encrypted relay envelopes (PROTOCOL-V1.md §4.4): key derivation, sealing with a fixed nonce,
// opening, and every way an envelope must be refused.
import { describe, expect, test } from "bun:test";
import {
  hkdfSha256,
  messageKey,
  openEnvelope,
  sealEnvelope,
  toHex,
  type ChatMessage,
} from "../../src/protocol/index.ts";
import { chatFromWire, coveredFields, hex, loadVectors, withRegressions, type Json } from "./vectors.ts";

const v = loadVectors("v1-envelope");
const secret = hex(v.secret_hex);
const key = messageKey(secret);

test("message_key = HKDF(secret, empty salt, felund-msg-v1)", () => {
  expect(toHex(key)).toBe(v.message_key.key);
  expect(toHex(hkdfSha256(secret, hex(v.message_key.salt_hex), v.message_key.info))).toBe(v.message_key.key);
  expect(toHex(hkdfSha256(secret, new Uint8Array(32), v.message_key.info))).toBe(v.message_key.key);
});

describe("sealEnvelope with a fixed nonce", () => {
  for (const c of withRegressions(v, "seal")) {
    const m: ChatMessage = chatFromWire({ ...c.message, mac: "" });
    test(`seal: ${c.name}`, () => {
      expect(`${m.msgId}|${m.circleId}|${m.channelId}|${m.authorNodeId}|${m.createdTs}`).toBe(c.aad);
      expect(JSON.stringify({ display_name: m.displayName, text: m.text })).toBe(c.plaintext);
      const env = sealEnvelope(key, m, hex(c.nonce_hex));
      expect(env).toEqual(c.envelope);
      expect(JSON.stringify(env)).toBe(JSON.stringify(c.envelope));
    });
    test(`open: ${c.name}`, () => {
      expect(openEnvelope(key, secret, c.message.circle_id, c.envelope)).toEqual({
        ok: true,
        value: { ...m, mac: null },
      });
    });
  }
  test("a fresh nonce gives a fresh ciphertext that still opens", () => {
    const c = (v.seal as Json[])[0];
    const m = chatFromWire({ ...c.message, mac: "" });
    const env = sealEnvelope(key, m, new Uint8Array(12).fill(9));
    expect(env.enc.ciphertext).not.toBe(c.envelope.enc.ciphertext);
    expect(openEnvelope(key, secret, m.circleId, env).ok).toBe(true);
  });
});

describe("openEnvelope accepts", () => {
  for (const c of withRegressions(v, "open_valid")) {
    test(c.name, () => {
      const r = openEnvelope(key, secret, v.circle_id, c.envelope);
      expect(r.ok).toBe(true);
      if (r.ok) expect(coveredFields(r.value)).toEqual(c.expected);
    });
  }
});

describe("openEnvelope rejects", () => {
  for (const c of withRegressions(v, "open_invalid")) {
    test(c.name, () => {
      const r = openEnvelope(key, secret, c.circle_id, c.envelope);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.kind).toBe("reject");
    });
  }
});
