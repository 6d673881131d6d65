// The newer original's schema-2 message objects (tests/vectors/v1-schema2.json): the reference
// object parses, its MAC and its `enc` agree, `enc` is the v1 relay envelope of the same
// message, the object an older original gets is the plain §11 object; and every invalid case is
// refused at its stage, for its reason.
import { describe, expect, test } from "bun:test";
import { fromHex, toHex } from "../../src/protocol/bytes.ts";
import { messageKey, sealEnvelope } from "../../src/protocol/envelope.ts";
import { toWireV1, verifyMac } from "../../src/protocol/message.ts";
import { checkEnc, parseWireObject } from "../../src/protocol/message-schema2.ts";
import { loadVectors } from "./vectors.ts";

const v = loadVectors("v1-schema2");
const secret = fromHex(v.secret_hex);

test("message key", () => {
  expect(toHex(messageKey(secret))).toBe(v.message_key);
});

describe("valid objects", () => {
  for (const c of v.valid) {
    test(c.name, () => {
      const raw = JSON.parse(c.wire_json);
      const p = parseWireObject(raw);
      expect(p.ok).toBe(true);
      if (!p.ok) return;
      expect(p.value.tenth).toBe(true);
      expect(p.value.msg.circleId).toBe(v.circle_id);
      expect(verifyMac(secret, p.value.msg)).toBe(true);
      // the plain v1 object: what an older original gets, with the same MAC
      expect(JSON.stringify(toWireV1(p.value.msg))).toBe(c.plain_json);
      // the received object re-serialised is the object as received, byte for byte
      expect(JSON.stringify(raw)).toBe(c.wire_json);
      if (raw.enc === null) return expect(p.value.enc).toBeNull();
      expect(checkEnc(secret, p.value.msg, p.value.enc!)).toEqual({ ok: true, value: undefined });
      // enc is the v1 relay envelope's enc of the same message (nonce pinned)
      const env = sealEnvelope(messageKey(secret), p.value.msg, fromHex(c.gcm_nonce_hex));
      expect(env.enc).toEqual(raw.enc);
    });
  }
});

describe("invalid objects are refused", () => {
  for (const c of v.invalid) {
    test(`${c.stage}: ${c.name}`, () => {
      const p = parseWireObject(c.object);
      if (c.stage === "parse") {
        expect(p).toEqual({ ok: false, kind: "reject", reason: c.reason });
        return;
      }
      expect(p.ok).toBe(true);
      if (!p.ok) return;
      if (c.stage === "mac") {
        expect(verifyMac(secret, p.value.msg)).toBe(false);
        return;
      }
      expect(verifyMac(secret, p.value.msg)).toBe(true);
      expect(checkEnc(secret, p.value.msg, p.value.enc!)).toEqual({ ok: false, kind: "reject", reason: c.reason });
    });
  }
});

test("a plain nine-key object still parses (no tenth key)", () => {
  const p = parseWireObject(JSON.parse(v.valid[0].plain_json));
  expect(p.ok && p.value.tenth).toBe(false);
});
