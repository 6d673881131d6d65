// Seeded fuzzing of every v2 decoder that sees a peer's bytes (docs/PROTOCOL.md): session
// frame bodies, signed messages, control event bodies, felund2. invite codes, relay envelopes,
// call signals and the handshake's V2_HS line. Valid vectors are mutated; each decoder must
// refuse with its typed outcome (V2DecodeError / ProtocolError / reject verdict) or return
// something that re-encodes to itself, and anything signed or sealed may only open to the
// original content.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { ProtocolError } from "../../src/protocol/verdict.ts";
import { decodeFrame, encodeFrame } from "../../src/protocol/v2/frames.ts";
import { decodeEvent } from "../../src/protocol/v2/control.ts";
import { encodeEvent } from "../../src/protocol/v2/control-encode.ts";
import { decodeMessage, verifyMessage } from "../../src/protocol/v2/message.ts";
import { decodeInvite2 } from "../../src/protocol/v2/invite.ts";
import { openEnvelopeV2 } from "../../src/protocol/v2/envelope.ts";
import { openSignal } from "../../src/protocol/v2/call-signal.ts";
import { parseHsFrame } from "../../src/protocol/v2/handshake.ts";
import { epochZeroKey } from "../../src/protocol/v2/keys.ts";
import { loadVectors } from "../protocol/vectors.ts";
import { fromHex, fuzz, mutant, mutateBytes, mutateString, toHex, type Json, type Prng } from "./seeded.ts";

setDefaultTimeout(120_000);
const F = "v2";
const vFr = loadVectors("v2-frames");
const vMsg = loadVectors("v2-message");
const vCtl = loadVectors("v2-control");
const vInv = loadVectors("v2-invite");
const vEnv = loadVectors("v2-envelope");
const vSig = loadVectors("v2-call-signal");
const vHs = loadVectors("v2-handshake");

/** Mutated bytes from a pool of valid encodings; sometimes two spliced together. */
const bytesFrom =
  (pool: Uint8Array[]) =>
  (r: Prng): Uint8Array => {
    let b = r.pick(pool);
    if (r.chance(0.1))
      b = Uint8Array.from([...b.subarray(0, r.int(b.length + 1)), ...r.pick(pool).subarray(r.int(b.length + 1))]);
    for (let n = 1 + r.int(2); n > 0; n--) b = mutateBytes(r, b);
    return b;
  };

/** A decoder that throws: only its typed error, and what it returns re-encodes to the same value. */
function roundTrip<T>(decode: (b: Uint8Array) => T, encode: (v: T) => Uint8Array) {
  return (b: Uint8Array): string | null => {
    let v: T;
    try {
      v = decode(b);
    } catch (e) {
      return e instanceof ProtocolError ? null : `threw ${(e as Error).name}: ${(e as Error).message}`;
    }
    const again = encode(v);
    return Bun.deepEquals(decode(again), v) ? null : `re-encoding changed the value: ${toHex(again).slice(0, 200)}`;
  };
}

const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");
/** A base64 string mutated either as text or as the bytes it encodes. */
const mutateB64 = (r: Prng, s: string): string =>
  r.chance(0.3) ? mutateString(r, s) : b64(mutateBytes(r, Uint8Array.from(Buffer.from(s, "base64"))));

describe("v2 decoders", () => {
  test("session frame bodies: typed error or a value that re-encodes to itself", async () => {
    const pool = vFr.valid.map((c: Json) => fromHex(c.encoded_hex));
    expect(await fuzz(F, "frame", 0x2f0001, bytesFrom(pool), roundTrip(decodeFrame, encodeFrame))).toBe("");
  });

  test("control event bodies: typed error or a value that re-encodes to itself", async () => {
    const pool = vCtl.valid.map((c: Json) => fromHex(c.encoded_hex));
    expect(await fuzz(F, "control", 0x2f0002, bytesFrom(pool), roundTrip(decodeEvent, encodeEvent))).toBe("");
  });

  test("signed messages: only the original wires verify", async () => {
    const wires: string[] = vMsg.valid.map((c: Json) => c.expect.wire_hex);
    const circle = vMsg.valid[0].circle_id;
    const now = 1_800_000_000;
    const check = (b: Uint8Array): string | null => {
      let m: ReturnType<typeof decodeMessage>;
      try {
        m = decodeMessage(b);
      } catch (e) {
        return e instanceof ProtocolError ? null : `threw ${(e as Error).name}`;
      }
      const v = verifyMessage(m, circle, now);
      if (!v.ok) return v.kind === "reject" ? null : "verdict is not a reject";
      return wires.includes(toHex(m.wire)) ? null : "a changed message verified";
    };
    expect(await fuzz(F, "message", 0x2f0003, bytesFrom(wires.map(fromHex)), check)).toBe("");
  });

  test("felund2. invite codes: reject, or exactly an original invite", async () => {
    const now = vInv.valid[0].invite.issued_ts;
    const codes: string[] = [...vInv.valid.map((c: Json) => c.expect.code), ...vInv.invalid.map((c: Json) => c.code)];
    const originals = vInv.valid.map((c: Json) => JSON.stringify(decodeInvite2(c.expect.code, now)));
    const gen = (r: Prng): string => {
      const code = r.pick(codes);
      if (r.chance(0.4)) return mutateString(r, code);
      const raw = Uint8Array.from(Buffer.from(code.slice(8), "base64url"));
      return "felund2." + Buffer.from(mutateBytes(r, raw)).toString("base64url");
    };
    const check = (code: string): string | null => {
      const v = decodeInvite2(code, now);
      if (!v.ok) return v.kind === "reject" ? null : "verdict is not a reject";
      return originals.includes(JSON.stringify(v)) ? null : "a changed invite was accepted";
    };
    expect(await fuzz(F, "invite2", 0x2f0004, gen, check)).toBe("");
  });

  test("relay envelopes: reject, or the sealed message", async () => {
    const c = vEnv.valid[0];
    const secret = fromHex(c.secret);
    const ek = epochZeroKey(secret);
    const keyOf = (e: number) => (e === 0 ? ek : null);
    const bases = [c.expect.envelope, ...vEnv.invalid.map((x: Json) => x.envelope)];
    const gen = (r: Prng): unknown => {
      const e = r.pick(bases);
      if (r.chance(0.5) && typeof e.v2 === "string") return { ...e, v2: mutateB64(r, e.v2) };
      return mutant(r, e);
    };
    const check = (e: unknown): string | null => {
      const v = openEnvelopeV2(e, { secret, circleId: vMsg.valid[0].circle_id, keyOf });
      if (!v.ok) return v.kind === "reject" || v.kind === "ignore" ? null : "not a verdict";
      return v.value.msgId === c.expect.opens_to_msg_id ? null : `opened to another message ${v.value.msgId}`;
    };
    expect(await fuzz(F, "envelope", 0x2f0005, gen, check)).toBe("");
  });

  test("call signals: reject, or the signal as sealed", async () => {
    const cases: Json[] = vSig.valid;
    const gen = (r: Prng): { i: number; payload: string } => {
      const i = r.int(cases.length);
      return { i, payload: mutateB64(r, cases[i].expect.payload) };
    };
    const check = ({ i, payload }: { i: number; payload: string }): string | null => {
      const c = cases[i];
      const v = openSignal(payload, {
        circleId: c.circle_id,
        sessionId: c.session_id,
        self: c.to,
        keyOf: (e) => (e === c.epoch ? fromHex(c.epoch_key) : null),
        nowMs: c.ts_ms,
      });
      if (!v.ok) return v.kind === "reject" ? null : "verdict is not a reject";
      return v.value.type === c.type && v.value.data === c.data && v.value.fromNodeId === c.expect.opens.from_node_id
        ? null
        : "opened to another signal";
    };
    expect(await fuzz(F, "signal", 0x2f0006, gen, check)).toBe("");
  });

  test("V2_HS lines: ProtocolError or well-formed fields", async () => {
    const base = JSON.parse(vHs.valid[0].expect.hs_line);
    const check = (f: unknown): string | null => {
      try {
        if (!f || typeof f !== "object" || Array.isArray(f)) return null;
        const hs = parseHsFrame(f as Record<string, unknown>);
        return hs.nonce.length === 32 && hs.eph.length === 32 && Number.isSafeInteger(hs.epoch) && hs.epoch >= 0
          ? null
          : "malformed V2_HS accepted";
      } catch (e) {
        return e instanceof ProtocolError ? null : `threw ${(e as Error).name}: ${(e as Error).message}`;
      }
    };
    expect(await fuzz(F, "hs", 0x2f0007, (r) => mutant(r, base), check)).toBe("");
  });
});
