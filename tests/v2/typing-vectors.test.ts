// Test vectors of typing notices (docs/PROTOCOL.md §22), as data in tests/vectors/v2-typing.json:
// the TYPING session frame, and the sealed, signed relay notice with every input (author seed,
// circle secret, epoch key, channel, time, nonce), its base64 and what opening it gives; invalid
// notices with the reason they are refused. `GEN=1 bun test tests/v2/typing-vectors.test.ts`
// writes the file from the inputs below; otherwise the file is the contract and is replayed.
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fromHex, toBase64, fromBase64, toHex } from "../../src/protocol/bytes.ts";
import { circleIdFromSecret } from "../../src/protocol/ids.ts";
import { decodeFrame, encodeFrame } from "../../src/protocol/v2/frames.ts";
import { epochZeroKey, nodeKeysFromSeed } from "../../src/protocol/v2/keys.ts";
import { sealTyping } from "../../src/protocol/v2/typing.ts";
import { openTyping } from "../../src/protocol/v2/typing-open.ts";
import { ALICE_SEED, BOB_SEED, CIRCLE_SECRET, fill } from "./vector-inputs.ts";

const FILE = new URL("../vectors/v2-typing.json", import.meta.url);
type Json = any;

/** The notice of one case, from its inputs. */
function seal(c: Json): string {
  const author = nodeKeysFromSeed(fromHex(c.author_seed));
  const signer = nodeKeysFromSeed(fromHex(c.signer_seed ?? c.author_seed));
  const circleId = circleIdFromSecret(c.circle_secret);
  const ek = c.epoch_key ? fromHex(c.epoch_key) : epochZeroKey(fromHex(c.circle_secret));
  let b64 = sealTyping(
    { circleId, channelId: c.channel, tsMs: c.ts_ms },
    { epoch: c.epoch, epochKey: ek, edPublic: author.edPublic, edSecret: signer.edSecret },
    fromHex(c.nonce),
  );
  if (c.flip_byte !== undefined) {
    const b = fromBase64(b64);
    b[c.flip_byte] ^= 1;
    b64 = toBase64(b);
  }
  return b64;
}

/** What the receiver (a member holding epoch 0 of CIRCLE_SECRET, clock now_ms) makes of a notice. */
function open(b64: string, c: Json) {
  const secret = c.receiver_secret ?? CIRCLE_SECRET;
  const circleId = circleIdFromSecret(secret);
  return openTyping(b64, circleId, (ep) => (ep === 0 ? epochZeroKey(fromHex(secret)) : null), c.now_ms);
}

const base = {
  author_seed: ALICE_SEED,
  circle_secret: CIRCLE_SECRET,
  epoch: 0,
  channel: "general",
  ts_ms: 1_700_000_000_123,
  nonce: fill(9, 12),
  now_ms: 1_700_000_001_000,
};
const INPUTS = {
  frames: [
    { name: "typing", circle_id: circleIdFromSecret(CIRCLE_SECRET), channel: "general" },
    { name: "typing, non-ASCII channel", circle_id: circleIdFromSecret(CIRCLE_SECRET), channel: "café" },
  ],
  valid: [
    { name: "alice types in #general", ...base },
    { name: "bob types in #trips", ...base, author_seed: BOB_SEED, channel: "trips", nonce: fill(10, 12) },
  ],
  invalid: [
    {
      name: "a flipped bit in the ciphertext",
      ...base,
      flip_byte: 30,
      reason: "typing notice failed authentication (not this circle's key)",
    },
    {
      name: "another circle's key",
      ...base,
      receiver_secret: fill(77, 32),
      reason: "typing notice failed authentication (not this circle's key)",
    },
    { name: "an epoch the receiver lacks", ...base, epoch: 3, epoch_key: fill(5, 32), reason: "no key for epoch 3" },
    {
      name: "dated 31 s before the receiver's clock",
      ...base,
      now_ms: base.ts_ms + 31_000,
      reason: "typing notice: dated too far from now",
    },
    { name: "the control channel", ...base, channel: "__control", reason: "typing notice: invalid channel" },
    {
      name: "alice's key, bob's signature",
      ...base,
      signer_seed: BOB_SEED,
      reason: "typing notice: signature does not verify",
    },
  ],
};

function compute() {
  return {
    description:
      "Typing notices (§22). frames: TYPING session frame bodies (0x09 | str circle_id | str channel_id). valid: relay notices sealed from the inputs (epoch 0 key = HKDF(secret, '', 'felund2 epoch key 0') unless epoch_key), opened by a member at now_ms. invalid: notices the receiver refuses, with the reason.",
    frames: INPUTS.frames.map((f) => ({
      ...f,
      expect_hex: toHex(encodeFrame({ t: "typing", circleId: f.circle_id, channelId: f.channel })),
    })),
    valid: INPUTS.valid.map((c) => {
      const b64 = seal(c);
      const o = open(b64, c);
      if (!o.ok) throw new Error(o.reason);
      return {
        ...c,
        expect: {
          notice_b64: b64,
          author: o.value.author,
          circle_id: o.value.circleId,
          channel: o.value.channelId,
          ts_ms: o.value.tsMs,
        },
      };
    }),
    invalid: INPUTS.invalid,
  };
}

if (process.env.GEN === "1") writeFileSync(FILE, `${JSON.stringify(compute(), null, 2)}\n`);

describe("v2-typing.json", () => {
  const file = existsSync(FILE) ? JSON.parse(readFileSync(FILE, "utf8")) : null;
  test("the file is there, with cases", () => {
    expect(file.frames.length).toBeGreaterThan(0);
    expect(file.valid.length).toBeGreaterThan(0);
    expect(file.invalid.length).toBeGreaterThan(0);
  });
  for (const f of file?.frames ?? [])
    test(`frame: ${f.name}`, () => {
      expect(toHex(encodeFrame({ t: "typing", circleId: f.circle_id, channelId: f.channel }))).toBe(f.expect_hex);
      expect(decodeFrame(fromHex(f.expect_hex))).toEqual({ t: "typing", circleId: f.circle_id, channelId: f.channel });
    });
  for (const c of file?.valid ?? [])
    test(`valid: ${c.name}`, () => {
      const b64 = seal(c);
      expect(b64).toBe(c.expect.notice_b64);
      const o = open(c.expect.notice_b64, c);
      expect(o.ok && { author: o.value.author, channel: o.value.channelId, ts: o.value.tsMs }).toEqual({
        author: c.expect.author,
        channel: c.expect.channel,
        ts: c.expect.ts_ms,
      });
      expect(c.expect.author).toBe(nodeKeysFromSeed(fromHex(c.author_seed)).nodeId);
    });
  for (const c of file?.invalid ?? [])
    test(`invalid: ${c.name}`, () => {
      const o = open(seal(c), c);
      expect(o.ok ? "accepted" : o.reason).toBe(c.reason);
    });
  test("a truncated TYPING frame and one with trailing bytes are refused", () => {
    const hex = file.frames[0].expect_hex as string;
    expect(() => decodeFrame(fromHex(hex.slice(0, -2)))).toThrow();
    expect(() => decodeFrame(fromHex(`${hex}00`))).toThrow();
  });
});
