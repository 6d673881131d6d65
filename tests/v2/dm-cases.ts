// Vectors of direct messages (docs/PROTOCOL.md §21): the channel id of a pair, the pairwise key
// (the same from either side), a sealed body with a fixed nonce and the signed kind-8 message;
// invalid cases are signed messages that verifyMessage refuses with the stated reason.
import { Writer } from "../../src/protocol/v2/codec.ts";
import { decodeDm, dmChannelId, dmKey, dmProblem, openDm } from "../../src/protocol/v2/dm.ts";
import { sealDm } from "../../src/protocol/v2/dm-seal.ts";
import { nodeKeysFromSeed } from "../../src/protocol/v2/keys.ts";
import { type MessageKind, signMessage, verifyMessage } from "../../src/protocol/v2/message.ts";
import { ALICE_SEED, BOB_SEED, CAROL_SEED, CIRCLE_ID, TS, bytes, fill, hexOf, type Json } from "./vector-inputs.ts";
import type { Family } from "./vector-cases.ts";

const keysOf = (seed: string) => nodeKeysFromSeed(bytes(seed));
const A = keysOf(ALICE_SEED);
const B = keysOf(BOB_SEED);
const C = keysOf(CAROL_SEED);
const pairAB = dmChannelId(CIRCLE_ID, A.nodeId, B.nodeId);

function signed(i: Json) {
  const author = keysOf(i.author_seed);
  return signMessage(author.edSecret, {
    circleId: CIRCLE_ID,
    channelId: i.channel_id,
    authorKey: author.edPublic,
    createdTs: Math.floor(i.created_ms / 1000),
    createdMs: i.created_ms,
    authorSeq: i.author_seq,
    keyEpoch: 0,
    kind: i.kind as MessageKind,
    displayName: i.display_name,
    body: bytes(i.body_hex),
    salt: bytes(i.salt),
  });
}

/** A body sealed by `from` to `to` (under their pairwise key). */
const body = (from: typeof A, to: typeof A, text: string) =>
  hexOf(
    sealDm(
      dmKey(from.xSecret, to.xPublic, CIRCLE_ID, from.nodeId, to.nodeId)!,
      { circleId: CIRCLE_ID, author: from.nodeId, to: to.nodeId, text },
      bytes(fill(71, 12)),
    ),
  );

const bad = (name: string, reason: string, over: Json): Json => ({
  name,
  author_seed: ALICE_SEED,
  channel_id: pairAB,
  kind: 8,
  display_name: "alice",
  created_ms: TS * 1000 + 5,
  author_seq: 3,
  body_hex: body(A, B, "hi"),
  salt: fill(72, 16),
  reason,
  ...over,
});

export const dm: Family = {
  description:
    "Direct messages (§21): channel_id = '__dm_' + hex(H(str 'felund2/dm-id' | str circle_id | str lo | str hi)[0:12]); K = HKDF(X25519(self.x, other.x), salt '', info = str 'felund2/dm-key' | str circle_id | str lo | str hi); body = u8 1 | str recipient | fixed12 nonce | bytes AEAD(K, nonce, text, aad = str 'felund2/dm-body' | str circle_id | str channel_id | str author | str recipient); the signed message is kind 8 in that channel.",
  valid: [
    {
      name: "alice to bob",
      circle_id: CIRCLE_ID,
      author_seed: ALICE_SEED,
      recipient_seed: BOB_SEED,
      third_seed: CAROL_SEED,
      text: "just between us ✓",
      nonce: fill(70, 12),
      created_ms: TS * 1000 + 123,
      author_seq: 7,
      display_name: "alice",
      salt: fill(73, 16),
    },
  ],
  compute: (i) => {
    const a = keysOf(i.author_seed);
    const b = keysOf(i.recipient_seed);
    const c = keysOf(i.third_seed);
    const k = dmKey(a.xSecret, b.xPublic, i.circle_id, a.nodeId, b.nodeId)!;
    const kBack = dmKey(b.xSecret, a.xPublic, i.circle_id, b.nodeId, a.nodeId)!;
    const channelId = dmChannelId(i.circle_id, a.nodeId, b.nodeId);
    const sealed = sealDm(k, { circleId: i.circle_id, author: a.nodeId, to: b.nodeId, text: i.text }, bytes(i.nonce));
    const m = signed({ ...i, channel_id: channelId, kind: 8, body_hex: hexOf(sealed) });
    const kThird = dmKey(c.xSecret, a.xPublic, i.circle_id, c.nodeId, a.nodeId)!;
    const v = verifyMessage(m, i.circle_id, TS);
    return {
      author_node_id: a.nodeId,
      recipient_node_id: b.nodeId,
      channel_id: channelId,
      channel_id_reversed: dmChannelId(i.circle_id, b.nodeId, a.nodeId),
      key: hexOf(k),
      key_from_recipient: hexOf(kBack),
      body_hex: hexOf(sealed),
      body_recipient: decodeDm(sealed).to,
      wire_hex: hexOf(m.wire),
      msg_id: m.msgId,
      verifies: v.ok,
      recipient_opens: openDm(kBack, i.circle_id, a.nodeId, sealed),
      third_member_opens: openDm(kThird, i.circle_id, a.nodeId, sealed),
    };
  },
  invalid: [
    bad("a third member writes in the pair's channel", "only the two members of a direct message may write it", {
      author_seed: CAROL_SEED,
      body_hex: body(C, B, "forged"),
    }),
    bad("sealed to a member outside the pair", "only the two members of a direct message may write it", {
      body_hex: body(A, C, "wrong pair"),
    }),
    bad("recipient is the author", "dm: recipient is not another member", {
      channel_id: dmChannelId(CIRCLE_ID, A.nodeId, A.nodeId),
      body_hex: body(A, A, "me"),
    }),
    bad("kind 8 in a channel", "channel_id is not valid", { channel_id: "general" }),
    bad("plain text in a DM channel", "channel_id is not valid", {
      kind: 0,
      body_hex: hexOf(new TextEncoder().encode("plain")),
    }),
    bad("body of an unknown version", "dm body: unknown version", { body_hex: "02" }),
    bad("truncated body", "dm body: truncated", { body_hex: body(A, B, "hi").slice(0, 40) }),
    bad("trailing bytes in the body", "dm body: 1 trailing bytes", { body_hex: `${body(A, B, "hi")}00` }),
    bad("not a DM channel id", "only the two members of a direct message may write it", { channel_id: "__dm_XYZ" }),
    bad("recipient not a node id", "dm: recipient is not another member", {
      body_hex: hexOf(
        new Writer()
          .u8(1)
          .str("bob")
          .fixed(bytes(fill(71, 12)), 12)
          .bytes(new Uint8Array(16))
          .finish(),
      ),
    }),
  ],
  check: (i) => {
    // the message rules (§5), then those of a DM (§21, what src/sync/dm.ts applies after them)
    const v = verifyMessage(signed(i), CIRCLE_ID, TS);
    return !v.ok ? v.reason : v.value.kind === 8 ? dmProblem(v.value) : null;
  },
};
