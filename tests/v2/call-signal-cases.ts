// Vector family "call-signal" (docs/PROTOCOL.md §15): sealed, signed call signals. Valid cases
// give every input (keys, ids, time, nonce) and the expected key and payload; invalid cases are
// payloads that openSignal must refuse with the stated reason.
import { toBase64 } from "../../src/protocol/bytes.ts";
import { epochZeroKey, nodeKeysFromSeed } from "../../src/protocol/v2/keys.ts";
import { openSignal, sealSignal, signalKey, type CallSignalType } from "../../src/protocol/v2/call-signal.ts";
import {
  ALICE_SEED,
  BOB_SEED,
  CAROL_SEED,
  CIRCLE_ID,
  CIRCLE_SECRET,
  TS,
  bytes,
  fill,
  hexOf,
  type Json,
} from "./vector-inputs.ts";
import type { Family } from "./vector-cases.ts";

const SESSION = fill(9, 16);
const NOW_MS = TS * 1000;
const EK0 = hexOf(epochZeroKey(bytes(CIRCLE_SECRET)));
const alice = nodeKeysFromSeed(bytes(ALICE_SEED));
const bob = nodeKeysFromSeed(bytes(BOB_SEED));
const carol = nodeKeysFromSeed(bytes(CAROL_SEED));

function seal(i: Json): string {
  const from = nodeKeysFromSeed(bytes(i.from_seed));
  return sealSignal(
    {
      circleId: i.circle_id,
      sessionId: i.session_id,
      from: from.edPublic,
      to: i.to,
      type: i.type as CallSignalType,
      tsMs: i.ts_ms,
      id: bytes(i.signal_id),
      data: i.data,
    },
    { edSecret: from.edSecret, epoch: i.epoch, epochKey: bytes(i.epoch_key), nonce: bytes(i.nonce) },
  );
}

const open = (i: Json) =>
  openSignal(i.payload, {
    circleId: i.circle_id ?? CIRCLE_ID,
    sessionId: i.session_id ?? SESSION,
    self: i.self ?? bob.nodeId,
    keyOf: (e) => (e === (i.key_epoch ?? 0) ? bytes(i.epoch_key ?? EK0) : null),
    nowMs: i.now_ms ?? NOW_MS,
  });

const base = {
  circle_id: CIRCLE_ID,
  session_id: SESSION,
  epoch: 0,
  epoch_key: EK0,
  from_seed: ALICE_SEED,
  to: bob.nodeId,
  ts_ms: NOW_MS,
  signal_id: fill(5, 16),
  nonce: fill(6, 12),
};

export const callSignal: Family = {
  description:
    'Call signals (§15): K = HKDF(EK_epoch, u32 epoch, str "felund2/call-signal-key" | str circle_id | str session_id); payload = base64(u8 1 | u32 epoch | nonce | AES-256-GCM(K, nonce, pad(inner | Ed25519 sig), aad)). `opens` is what the recipient (`to`) gets back. Invalid: payloads the recipient must refuse.',
  valid: [
    {
      name: "offer from alice to bob, epoch 0",
      ...base,
      type: "offer",
      data: JSON.stringify({ i: "a1", sdp: "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n" }),
    },
    {
      name: "candidate batch",
      ...base,
      type: "candidates",
      signal_id: fill(7, 16),
      data: JSON.stringify({
        i: "a1",
        c: [{ candidate: "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host", sdpMid: "0", sdpMLineIndex: 0 }],
      }),
    },
    {
      name: "hello under a later epoch key",
      ...base,
      epoch: 3,
      epoch_key: fill(8, 32),
      from_seed: CAROL_SEED,
      type: "hello",
      signal_id: fill(10, 16),
      data: '{"i":"c9"}',
    },
  ],
  compute(i) {
    const payload = seal(i);
    const r = openSignal(payload, {
      circleId: i.circle_id,
      sessionId: i.session_id,
      self: i.to,
      keyOf: (e) => (e === i.epoch ? bytes(i.epoch_key) : null),
      nowMs: i.ts_ms,
    });
    return {
      key: hexOf(signalKey(bytes(i.epoch_key), i.epoch, i.circle_id, i.session_id)),
      payload,
      opens: r.ok ? { from_node_id: r.value.fromNodeId, type: r.value.type, data: r.value.data } : r.reason,
    };
  },
  check(i) {
    const r = open(i);
    return r.ok ? null : r.reason;
  },
};

{
  const offer = { ...base, type: "offer", data: '{"i":"a1","sdp":"x"}' };
  const good = seal(offer);
  const blob = Uint8Array.from(atob(good), (c) => c.charCodeAt(0));
  const flipped = blob.slice();
  flipped[blob.length - 5] = flipped[blob.length - 5]! ^ 1;
  const epoch1 = blob.slice();
  epoch1[4] = 1;
  // carol signs with her own key but the relay claims... nothing: the signature names carol, so
  // "from alice" can only be forged by swapping the key field, which breaks the signature
  const forged = (() => {
    const withAliceKey = sealSignal(
      {
        circleId: CIRCLE_ID,
        sessionId: SESSION,
        from: alice.edPublic,
        to: bob.nodeId,
        type: "offer",
        tsMs: NOW_MS,
        id: bytes(fill(11, 16)),
        data: "{}",
      },
      { edSecret: carol.edSecret, epoch: 0, epochKey: bytes(EK0), nonce: bytes(fill(12, 12)) },
    );
    return withAliceKey;
  })();
  callSignal.invalid = [
    {
      name: "ciphertext bit flipped",
      payload: toBase64(flipped),
      reason: "signal does not decrypt (tampered, another circle, call or epoch)",
    },
    {
      name: "opened as another call",
      payload: good,
      session_id: fill(13, 16),
      reason: "signal does not decrypt (tampered, another circle, call or epoch)",
    },
    {
      name: "opened as another circle",
      payload: good,
      circle_id: "0123456789abcdef01234567",
      reason: "signal does not decrypt (tampered, another circle, call or epoch)",
    },
    {
      name: "key of another circle (an outsider, or the relay)",
      payload: good,
      epoch_key: fill(14, 32),
      reason: "signal does not decrypt (tampered, another circle, call or epoch)",
    },
    { name: "epoch we hold no key for", payload: toBase64(epoch1), reason: "no key for epoch 1" },
    { name: "a member signs as another member", payload: forged, reason: "signal signature does not verify" },
    { name: "addressed to someone else", payload: good, self: carol.nodeId, reason: "signal is for another node" },
    { name: "replayed after the age window", payload: good, now_ms: NOW_MS + 301_000, reason: "signal is too old" },
    { name: "dated in the future", payload: good, now_ms: NOW_MS - 301_000, reason: "signal is dated in the future" },
    { name: "truncated", payload: toBase64(blob.slice(0, 20)), reason: "signal truncated" },
    { name: "not base64", payload: "***", reason: "signal is not base64" },
  ];
}
