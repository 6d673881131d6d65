// Every v2 construction as a vector family: valid cases (inputs -> outputs, computed by
// compute()) and invalid cases (inputs that check() must refuse with the given reason).
// gen-vectors.ts writes them to tests/vectors/v2-<family>.json; vectors.test.ts replays them.
import { fromBase64, fromBase64Url, toBase64, toBase64Url, utf8 } from "../../src/protocol/bytes.ts";
import { Reader, Writer } from "../../src/protocol/v2/codec.ts";
import { decodeEvent, type V2Event } from "../../src/protocol/v2/control.ts";
import { encodeEvent } from "../../src/protocol/v2/control-encode.ts";
import {
  decodeSealedBody,
  keyCheck,
  openBody,
  openChannelKey,
  sealBody,
  sealChannelKey,
} from "../../src/protocol/v2/channel-keys.ts";
import { passphraseKey } from "../../src/protocol/v2/channel-passphrase.ts";
import { openEnvelopeV2, padTo, relayId, sealEnvelopeV2, unpad } from "../../src/protocol/v2/envelope.ts";
import { decodeFrame, encodeFrame, type Frame } from "../../src/protocol/v2/frames.ts";
import {
  finishInitiator,
  finishResponder,
  makeOffer,
  offerJson,
  parseHsFrame,
  parseOffer,
  respond,
} from "../../src/protocol/v2/handshake.ts";
import { decodeInvite2, encodeInvite2, encodeInvite2Compact, inviteIdOf } from "../../src/protocol/v2/invite.ts";
import {
  authKey,
  circleTag,
  envelopeKey,
  epochZeroKey,
  h256,
  isMarkedV1Nonce,
  markedV1Nonce,
  nodeKeysFromSeed,
  openSeal,
  relayIdKey,
  seal,
  tagKey,
} from "../../src/protocol/v2/keys.ts";
import { cardOf, makeCardMessage } from "../../src/protocol/v2/member-card.ts";
import { decodeMessage, signMessage, verifyMessage, type MessageKind } from "../../src/protocol/v2/message.ts";
import {
  decodeRanges,
  encodeRanges,
  initialRanges,
  itemOf,
  ItemSet,
  processRanges,
  idHex,
} from "../../src/protocol/v2/recon.ts";
import { buildRekey, openRekey } from "../../src/protocol/v2/rekey.ts";
import { FrameOpener, FrameSealer } from "../../src/protocol/v2/session.ts";
import { callSignal } from "./call-signal-cases.ts";
import { dm } from "./dm-cases.ts";
import { refs } from "./vector-refs.ts";
import { recon2 } from "./vector-recon2.ts";
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
  queueRng,
  type Json,
} from "./vector-inputs.ts";

export interface Family {
  description: string;
  valid: Json[];
  compute(input: Json): Json;
  invalid?: Json[];
  /** the refusal reason (error message or verdict reason) for an invalid input, or null if accepted */
  check?(input: Json): string | null;
}

const errOf = (fn: () => unknown): string | null => {
  try {
    fn();
    return null;
  } catch (e) {
    return (e as Error).message;
  }
};

// ---- codec ----
type Op = [string, Json];
const writeOps = (ops: Op[]) => {
  const w = new Writer();
  for (const [op, v] of ops) {
    if (op === "fixed") w.fixed(bytes(v), v.length / 2);
    else if (op === "bytes") w.bytes(bytes(v));
    else (w as any)[op](v);
  }
  return hexOf(w.finish());
};

const codec: Family = {
  description:
    "Canonical encoding (docs/PROTOCOL.md §2): ops applied to a Writer give `hex`; invalid: bytes the Reader must refuse when reading `read` ops.",
  valid: [
    {
      name: "integers",
      ops: [
        ["u8", 7],
        ["u16", 515],
        ["u32", 4294967295],
        ["u64", 1800000000],
      ],
    },
    {
      name: "strings and bytes",
      ops: [
        ["str", "felund2/msg"],
        ["str", ""],
        ["str", "héllo ✓"],
        ["bytes", "00ff"],
        ["fixed", "0102"],
      ],
    },
    {
      name: "varints",
      ops: [
        ["uvar", 0],
        ["uvar", 127],
        ["uvar", 128],
        ["uvar", 1800000000],
      ],
    },
  ],
  compute: (i) => ({ hex: writeOps(i.ops) }),
  invalid: [
    { name: "truncated u32", hex: "000001", read: ["u32"], reason: "test: truncated" },
    { name: "trailing bytes", hex: "0700", read: ["u8"], reason: "test: 1 trailing bytes" },
    { name: "string longer than the data", hex: "00000005616263", read: ["str"], reason: "test: truncated" },
    {
      name: "declared length over the field limit",
      hex: "00100001",
      read: ["bytes"],
      reason: "test: field too long (1048577 > 65536)",
    },
    { name: "invalid UTF-8", hex: "00000002c328", read: ["str"], reason: "test: invalid UTF-8" },
    { name: "non-minimal varint", hex: "8000", read: ["uvar"], reason: "test: non-minimal varint" },
    { name: "u64 above 2^53", hex: "0020000000000000", read: ["u64"], reason: "test: integer too large" },
  ],
  check: (i) =>
    errOf(() => {
      const r = new Reader(bytes(i.hex), "test");
      for (const op of i.read) (r as any)[op]();
      r.end();
    }),
};

// ---- keys ----
const keys: Family = {
  description:
    "Key schedule (§3): node keys from an Ed25519 seed; circle keys from the circle secret; epoch keys; the v1 nonce mark; a sealed box with a fixed ephemeral key.",
  valid: [
    {
      name: "alice",
      seed: ALICE_SEED,
      secret: CIRCLE_SECRET,
      nonce: fill(9, 32),
      mark_random: fill(10, 8),
      epoch: 3,
      epoch_key: fill(11, 32),
      seal_eph: fill(12, 32),
      seal_plaintext: fill(13, 32),
      seal_context: "74657374",
    },
  ],
  compute: (i) => {
    const k = nodeKeysFromSeed(bytes(i.seed));
    const secret = bytes(i.secret);
    const ek0 = epochZeroKey(secret);
    const marked = markedV1Nonce(secret, queueRng([i.mark_random]));
    const box = seal(k.xPublic, bytes(i.seal_plaintext), bytes(i.seal_context), queueRng([i.seal_eph]));
    const opened = openSeal(k.xSecret, box, bytes(i.seal_context));
    return {
      ed_public: hexOf(k.edPublic),
      x_public: hexOf(k.xPublic),
      node_id: k.nodeId,
      tag_key: hexOf(tagKey(secret)),
      circle_tag: hexOf(circleTag(secret, bytes(i.nonce))),
      relay_id_key: hexOf(relayIdKey(secret)),
      marked_v1_nonce: marked,
      marked_ok: isMarkedV1Nonce(secret, marked),
      random_nonce_marked: isMarkedV1Nonce(secret, fill(99, 16)),
      epoch0_key: hexOf(ek0),
      auth_key_epoch0: hexOf(authKey(ek0, 0)),
      envelope_key_epoch0: hexOf(envelopeKey(ek0, 0)),
      auth_key_epoch: hexOf(authKey(bytes(i.epoch_key), i.epoch)),
      envelope_key_epoch: hexOf(envelopeKey(bytes(i.epoch_key), i.epoch)),
      sealed_box: hexOf(box),
      sealed_box_opens: opened ? hexOf(opened) : null,
    };
  },
};

// ---- signed message ----
const msgInput = (i: Json) => {
  const k = nodeKeysFromSeed(bytes(i.author_seed));
  return {
    k,
    fields: {
      circleId: i.circle_id,
      channelId: i.channel_id,
      authorKey: k.edPublic,
      createdTs: i.created_ts,
      // version 2: created_ms and author_seq (created_ts is then floor(created_ms / 1000))
      ...(i.created_ms === undefined ? {} : { createdMs: i.created_ms, authorSeq: i.author_seq }),
      keyEpoch: i.key_epoch,
      kind: i.kind as MessageKind,
      displayName: i.display_name,
      body: bytes(i.body_hex),
      salt: bytes(i.salt),
    },
  };
};
const message: Family = {
  description:
    "Signed message (§5): core = canonical fields (version 1: u64 created_ts; version 2: u64 created_ms | u32 author_seq, created_ts = floor(created_ms / 1000)), msg_id = SHA-256(str 'felund2/msg-id' | bytes core)[0:16], wire = core | Ed25519 signature. Invalid: wire_hex that decode+verify (circle 630d…, now = 1800000000) refuse.",
  valid: [
    {
      name: "text",
      author_seed: ALICE_SEED,
      circle_id: CIRCLE_ID,
      channel_id: "general",
      created_ts: TS,
      key_epoch: 0,
      kind: 0,
      display_name: "alice",
      body_hex: hexOf(utf8("hello, world")),
      salt: fill(20, 16),
    },
    {
      name: "unicode, epoch 2",
      author_seed: BOB_SEED,
      circle_id: CIRCLE_ID,
      channel_id: "secret-room",
      created_ts: TS + 5,
      key_epoch: 2,
      kind: 0,
      display_name: "Zoë|x",
      body_hex: hexOf(utf8("héllo ✓ | pipe\nline2")),
      salt: fill(21, 16),
    },
    {
      name: "version 2: millisecond time and author sequence",
      author_seed: ALICE_SEED,
      circle_id: CIRCLE_ID,
      channel_id: "general",
      created_ts: TS - 2,
      created_ms: (TS - 2) * 1000 + 150,
      author_seq: 7,
      key_epoch: 0,
      kind: 0,
      display_name: "alice",
      body_hex: hexOf(utf8("one")),
      salt: fill(22, 16),
    },
    {
      name: "version 2: the next message of the same author, 1 ms later",
      author_seed: ALICE_SEED,
      circle_id: CIRCLE_ID,
      channel_id: "general",
      created_ts: TS - 2,
      created_ms: (TS - 2) * 1000 + 151,
      author_seq: 8,
      key_epoch: 0,
      kind: 0,
      display_name: "alice",
      body_hex: hexOf(utf8("two")),
      salt: fill(22, 16),
    },
  ],
  compute: (i) => {
    const { k, fields } = msgInput(i);
    const m = signMessage(k.edSecret, fields);
    const d = decodeMessage(m.wire);
    return {
      msg_id: m.msgId,
      author_node_id: m.authorNodeId,
      signature: hexOf(m.signature),
      wire_hex: hexOf(m.wire),
      verifies: verifyMessage(d, i.circle_id, TS).ok,
      version: m.wire[4 + 11],
      decoded_created_ts: d.createdTs,
      ...(d.createdMs === undefined ? {} : { decoded_created_ms: d.createdMs, decoded_author_seq: d.authorSeq }),
    };
  },
  invalid: [],
  check: (i) => {
    try {
      const m = decodeMessage(bytes(i.wire_hex));
      const v = verifyMessage(m, CIRCLE_ID, TS);
      return v.ok ? null : v.reason;
    } catch (e) {
      return (e as Error).message;
    }
  },
};
{
  const good = message.compute(message.valid[0]).wire_hex as string;
  const flip = (h: string, at: number) =>
    h.slice(0, at * 2) +
    (parseInt(h.slice(at * 2, at * 2 + 2), 16) ^ 1).toString(16).padStart(2, "0") +
    h.slice(at * 2 + 2);
  const { k, fields } = msgInput(message.valid[0]);
  const resign = (f: Partial<typeof fields> & { createdMs?: number; authorSeq?: number }) =>
    hexOf(signMessage(k.edSecret, { ...fields, ...f }).wire);
  const v2good = message.compute(message.valid[2]).wire_hex as string;
  message.invalid = [
    {
      name: "signature bit flipped",
      wire_hex: flip(good, good.length / 2 - 1),
      reason: "author signature does not verify",
    },
    {
      name: "text bit flipped (author field intact)",
      wire_hex: flip(good, good.length / 2 - 64 - 17),
      reason: "author signature does not verify",
    },
    { name: "truncated", wire_hex: good.slice(0, -2), reason: "message: truncated" },
    { name: "trailing byte", wire_hex: good + "00", reason: "message: 1 trailing bytes" },
    {
      name: "301 s in the future",
      wire_hex: resign({ createdTs: TS + 301 }),
      reason: "created_ts too far in the future",
    },
    {
      name: "other circle",
      wire_hex: resign({ circleId: "0123456789abcdef01234567" }),
      reason: "message of another circle",
    },
    {
      name: "control kind outside __control",
      wire_hex: resign({ kind: 2 }),
      reason: "control events live in __control, and only they",
    },
    {
      name: "text in __control",
      wire_hex: resign({ channelId: "__control" }),
      reason: "control events live in __control, and only they",
    },
    { name: "invalid channel id", wire_hex: resign({ channelId: "Bad Channel!" }), reason: "channel_id is not valid" },
    { name: "unknown kind", wire_hex: resign({ kind: 200 as MessageKind }), reason: "message: unknown kind" },
    { name: "text not UTF-8", wire_hex: resign({ body: bytes("c328") }), reason: "text is not UTF-8" },
    {
      name: "version 2 dated 301 s in the future",
      wire_hex: resign({ createdTs: TS + 301, createdMs: (TS + 301) * 1000, authorSeq: 1 }),
      reason: "created_ts too far in the future",
    },
    {
      name: "unknown version 3",
      wire_hex: good.slice(0, 2 * 15) + "03" + good.slice(2 * 16),
      reason: "message: unknown version",
    },
    {
      name: "version 2 truncated inside author_seq",
      wire_hex: v2good.slice(0, 2 * (15 + 1 + 4 + CIRCLE_ID.length + 4 + 7 + 32 + 8 + 2)),
      reason: "message: truncated",
    },
  ];
}

// ---- control events ----
const carol = nodeKeysFromSeed(bytes(CAROL_SEED));
const events: [string, V2Event][] = [
  ["member card", { t: "card", xKey: carol.xPublic, displayName: "carol" }],
  [
    "channel create (key)",
    { t: "channel_create", channelId: "secret-room", mode: "key", scryptLogN: 14, keyCheck: bytes(fill(30, 16)) },
  ],
  [
    "channel create (invite)",
    { t: "channel_create", channelId: "inner", mode: "invite", scryptLogN: 0, keyCheck: new Uint8Array(16) },
  ],
  ["channel request", { t: "channel_request", channelId: "inner" }],
  ["channel join", { t: "channel_join", channelId: "secret-room" }],
  ["channel leave", { t: "channel_leave", channelId: "secret-room" }],
  [
    "channel approve",
    { t: "channel_approve", channelId: "inner", target: carol.edPublic, keyVersion: 1, sealedKey: bytes(fill(31, 80)) },
  ],
  ["rename", { t: "rename", displayName: "carol ✓" }],
  ["circle name", { t: "circle_name", name: "book club" }],
  ["history all (§24.2)", { t: "history", days: null }],
  ["history none", { t: "history", days: 0 }],
  ["history last 30 days", { t: "history", days: 30 }],
  [
    "rekey",
    {
      t: "rekey",
      epoch: 1,
      removed: ["0123456789abcdef01234567"],
      seals: [{ recipient: carol.edPublic, box: bytes(fill(32, 80)) }],
      v2Only: true,
    },
  ],
  ["call end", { t: "call", op: "end", sessionId: "00112233445566778899aabbccddeeff", channelId: "" }],
  ["call view", { t: "call", op: "view", sessionId: "00112233445566778899aabbccddeeff", channelId: "" }],
  [
    "call revoke",
    {
      t: "call",
      op: "revoke",
      sessionId: "00112233445566778899aabbccddeeff",
      channelId: "",
      target: "a1b2c3d4e5f60718293a4b5c",
    },
  ],
  ["pin", { t: "pin", pinned: true, channelId: "general", msgId: "00112233445566778899aabbccddeeff" }],
  ["unpin", { t: "pin", pinned: false, channelId: "general", msgId: "00112233445566778899aabbccddeeff" }],
];
const evtJson = (e: V2Event): Json => JSON.parse(JSON.stringify(e, (_, v) => (v instanceof Uint8Array ? hexOf(v) : v)));
const control: Family = {
  description:
    "Control event bodies (§6): event (as JSON, byte fields in hex) -> hex encoding; decoding it gives the event back. Invalid: hex the decoder refuses.",
  valid: events.map(([name, e]) => ({ name, event: evtJson(e), encoded_hex: hexOf(encodeEvent(e)) })),
  compute: (i) => {
    const d = decodeEvent(bytes(i.encoded_hex));
    return { event: evtJson(d), reencoded_hex: hexOf(encodeEvent(d)) };
  },
  invalid: [
    { name: "unknown type", hex: "63", reason: "control: unknown event type 99" },
    { name: "history mode 3", hex: "0c" + "03" + "00000000", reason: "control: bad history policy" },
    { name: "history none with days", hex: "0c" + "01" + "00000005", reason: "control: bad history policy" },
    { name: "history of 0 days", hex: "0c" + "02" + "00000000", reason: "control: bad history policy" },
    { name: "history past 36,500 days", hex: "0c" + "02" + "00008e95", reason: "control: bad history policy" },
    {
      name: "channel id not valid",
      hex: hexOf(new Writer().u8(3).str("__x").finish()),
      reason: "control: channel_id is not valid",
    },
    {
      name: "scrypt cost too low",
      hex: hexOf(new Writer().u8(2).str("k").u8(1).u8(10).fixed(new Uint8Array(16), 16).finish()),
      reason: "control: scrypt cost out of range",
    },
    {
      name: "rekey to epoch 0",
      hex: hexOf(new Writer().u8(9).u32(0).u8(1).u32(0).u32(0).finish()),
      reason: "control: rekey to epoch 0",
    },
    {
      name: "trailing byte",
      hex: hexOf(new Writer().u8(5).str("general").u8(0).finish()),
      reason: "control event: 1 trailing bytes",
    },
    {
      name: "unknown access mode",
      hex: hexOf(new Writer().u8(2).str("k").u8(7).u8(0).fixed(new Uint8Array(16), 16).finish()),
      reason: "control: unknown access mode",
    },
    {
      name: "empty call id",
      hex: hexOf(new Writer().u8(10).u8(3).str("").str("").finish()),
      reason: "control: empty call session id",
    },
    {
      name: "unknown call op",
      hex: hexOf(new Writer().u8(10).u8(6).str("s1").str("").finish()),
      reason: "control: unknown call op",
    },
    {
      name: "unknown pin flag",
      hex: hexOf(new Writer().u8(11).u8(2).str("general").fixed(new Uint8Array(16), 16).finish()),
      reason: "control: unknown pin flags",
    },
  ],
  check: (i) => errOf(() => decodeEvent(bytes(i.hex))),
};
for (const v of control.valid) Object.assign(v, { expect_reencoded: v.encoded_hex });

// ---- member card ----
const card: Family = {
  description: "Member card (§6.1): a signed control message of the member carrying its X25519 key and name.",
  valid: [
    {
      name: "carol",
      seed: CAROL_SEED,
      circle_id: CIRCLE_ID,
      display_name: "carol",
      ts: TS,
      epoch: 0,
      salt: fill(40, 16),
    },
  ],
  compute: (i) => {
    const k = nodeKeysFromSeed(bytes(i.seed));
    const m = makeCardMessage(k, {
      circleId: i.circle_id,
      displayName: i.display_name,
      ts: i.ts,
      epoch: i.epoch,
      salt: bytes(i.salt),
    });
    const c = cardOf(decodeMessage(m.wire))!;
    return {
      wire_hex: hexOf(m.wire),
      msg_id: m.msgId,
      node_id: c.nodeId,
      ed_key: hexOf(c.edKey),
      x_key: hexOf(c.xKey),
    };
  },
};

// ---- channel keys ----
const channelKeys: Family = {
  description:
    "Channel keys (§7): key mode = scrypt(NFC passphrase, str 'felund2/channel-passphrase' | str circle_id | str channel_id, N=2^logN, r=8, p=1); key check; a sealed body with a fixed nonce; an invite-channel key sealed to a member with a fixed ephemeral key.",
  valid: [
    {
      name: "secret-room",
      circle_id: CIRCLE_ID,
      channel_id: "secret-room",
      passphrase: "hunter2 ✓",
      log_n: 14,
      text: "only for us",
      body_nonce: fill(50, 12),
      key_version: 1,
      invite_key: fill(51, 32),
      seal_eph: fill(52, 32),
      target_seed: CAROL_SEED,
    },
  ],
  compute: (i) => {
    const k = passphraseKey(i.passphrase, i.circle_id, i.channel_id, i.log_n);
    if (!k.ok) throw new Error(k.reason);
    const body = sealBody(
      k.value,
      { circleId: i.circle_id, channelId: i.channel_id, keyVersion: 0, text: i.text },
      bytes(i.body_nonce),
    );
    const t = nodeKeysFromSeed(bytes(i.target_seed));
    const sealed = sealChannelKey(
      bytes(i.invite_key),
      {
        circleId: i.circle_id,
        channelId: i.channel_id,
        keyVersion: i.key_version,
        targetEd: t.edPublic,
        targetX: t.xPublic,
      },
      queueRng([i.seal_eph]),
    );
    const opened = openChannelKey(sealed, {
      circleId: i.circle_id,
      channelId: i.channel_id,
      keyVersion: i.key_version,
      selfEd: t.edPublic,
      selfXSecret: t.xSecret,
    });
    return {
      key: hexOf(k.value),
      key_check: hexOf(keyCheck(k.value)),
      sealed_body_hex: hexOf(body),
      opens_to: openBody(k.value, i.circle_id, i.channel_id, body),
      wrong_channel_opens: openBody(k.value, i.circle_id, "other", body),
      sealed_key_hex: hexOf(sealed),
      sealed_key_opens: opened ? hexOf(opened) : null,
      sealed_key_version_2_opens: !!openChannelKey(sealed, {
        circleId: i.circle_id,
        channelId: i.channel_id,
        keyVersion: 2,
        selfEd: t.edPublic,
        selfXSecret: t.xSecret,
      }),
      body_key_version: decodeSealedBody(body).keyVersion,
    };
  },
  invalid: [
    { name: "passphrase too short", passphrase: "abc", log_n: 14, reason: "passphrase length out of range" },
    { name: "scrypt cost too low", passphrase: "hunter2", log_n: 10, reason: "scrypt cost out of range" },
  ],
  check: (i) => {
    const k = passphraseKey(i.passphrase, CIRCLE_ID, "x", i.log_n);
    return k.ok ? null : k.reason;
  },
};

// ---- rekey ----
const rekey: Family = {
  description:
    "REKEY (§8): epoch key sealed to each remaining member (fixed ephemeral keys, in recipient order); the removed member is listed and gets no box.",
  valid: [
    {
      name: "remove bob",
      circle_id: CIRCLE_ID,
      epoch: 1,
      epoch_key: fill(60, 32),
      removed_seed: BOB_SEED,
      recipient_seeds: [ALICE_SEED, CAROL_SEED],
      ephs: [fill(61, 32), fill(62, 32)],
    },
  ],
  compute: (i) => {
    const rec = i.recipient_seeds.map((s: string) => nodeKeysFromSeed(bytes(s)));
    const removed = nodeKeysFromSeed(bytes(i.removed_seed));
    const e = buildRekey(
      {
        circleId: i.circle_id,
        epoch: i.epoch,
        epochKey: bytes(i.epoch_key),
        removed: [removed.nodeId],
        recipients: rec.map((k: any) => ({ edKey: k.edPublic, xKey: k.xPublic })),
      },
      queueRng(i.ephs),
    );
    const enc = encodeEvent(e);
    const back = decodeEvent(enc) as typeof e;
    return {
      encoded_hex: hexOf(enc),
      opened_by_recipients: rec.map((k: any) => {
        const x = openRekey(back, i.circle_id, { edKey: k.edPublic, xSecret: k.xSecret });
        return x ? hexOf(x) : null;
      }),
      opened_by_removed: openRekey(back, i.circle_id, { edKey: removed.edPublic, xSecret: removed.xSecret }),
    };
  },
};

// ---- envelope ----
const envMsg = () => {
  const { k, fields } = msgInput(message.valid[0]);
  return signMessage(k.edSecret, fields);
};
const envelope: Family = {
  description:
    "Relay envelope (§9): relay_id, created_ts floored to the hour, blob = u8 2 | u32 epoch | nonce | AES-256-GCM over the padded signed message. Invalid: envelopes that must not open (epoch-0 key of the circle secret).",
  valid: [
    {
      name: "message 'text' of v2-message",
      secret: CIRCLE_SECRET,
      epoch: 0,
      nonce: fill(70, 12),
      message_wire_hex: "",
    },
  ],
  compute: (i) => {
    const m = decodeMessage(bytes(i.message_wire_hex));
    const secret = bytes(i.secret);
    const ek = epochZeroKey(secret);
    const env = sealEnvelopeV2({ secret, epoch: i.epoch, epochKey: ek, message: m }, bytes(i.nonce));
    const back = openEnvelopeV2(env, { secret, circleId: m.circleId, keyOf: (e) => (e === 0 ? ek : null) });
    return {
      envelope: env,
      relay_id: relayId(secret, m.msgId),
      padded_len: padTo(m.wire).length,
      opens_to_msg_id: back.ok ? back.value.msgId : back.reason,
    };
  },
  invalid: [],
  check: (i) => {
    const secret = bytes(CIRCLE_SECRET);
    const ek = epochZeroKey(secret);
    const v = openEnvelopeV2(i.envelope, {
      secret,
      circleId: i.circle_id ?? CIRCLE_ID,
      keyOf: (e) => (e === 0 ? ek : null),
    });
    return v.ok ? null : v.reason;
  },
};
{
  const m = envMsg();
  envelope.valid[0].message_wire_hex = hexOf(m.wire);
  const good = envelope.compute(envelope.valid[0]).envelope;
  const blob = fromBase64(good.v2);
  const tampered = blob.slice();
  tampered[40] ^= 1;
  const epoch1 = blob.slice();
  epoch1[4] = 1;
  envelope.invalid = [
    {
      name: "ciphertext bit flipped",
      envelope: { ...good, v2: toBase64(tampered) },
      reason: "envelope does not decrypt (tampered, another circle or epoch)",
    },
    {
      name: "relay id swapped",
      envelope: { ...good, msg_id: "00".repeat(16) },
      reason: "envelope does not decrypt (tampered, another circle or epoch)",
    },
    {
      name: "opened as another circle",
      envelope: good,
      circle_id: "0123456789abcdef01234567",
      reason: "envelope does not decrypt (tampered, another circle or epoch)",
    },
    { name: "epoch we hold no key for", envelope: { ...good, v2: toBase64(epoch1) }, reason: "no key for epoch 1" },
    { name: "truncated", envelope: { ...good, v2: toBase64(blob.slice(0, 20)) }, reason: "envelope truncated" },
    { name: "not base64", envelope: { ...good, v2: "***" }, reason: "envelope is not base64" },
    { name: "v1 envelope", envelope: { msg_id: good.msg_id, enc: {} }, reason: "not a v2 envelope" },
  ];
}

// ---- padding ----
const padding: Family = {
  description:
    "Envelope padding: u32 length | data | zeros up to the next bucket (256, 512, ... 16384, then multiples of 4096).",
  valid: [0, 1, 252, 253, 1000, 16380, 16381].map((n) => ({ name: `${n} bytes`, len: n })),
  compute: (i) => ({
    padded_len: padTo(new Uint8Array(i.len).fill(7)).length,
    roundtrip: unpad(padTo(new Uint8Array(i.len).fill(7))).length,
  }),
  invalid: [
    { name: "length beyond data", hex: "00000009" + "00".repeat(4), reason: "padding: length beyond the data" },
    { name: "non-zero padding", hex: "00000001" + "07" + "01", reason: "padding: non-zero pad bytes" },
  ],
  check: (i) => errOf(() => unpad(bytes(i.hex))),
};

// ---- handshake + session ----
const hsCompute = (i: Json) => {
  const a = nodeKeysFromSeed(bytes(i.initiator_seed));
  const b = nodeKeysFromSeed(bytes(i.responder_seed));
  const ek = epochZeroKey(bytes(i.secret));
  const auth = authKey(ek, 0);
  const mine = makeOffer(queueRng([i.initiator_eph, i.initiator_nonce]), 0);
  const hello = JSON.stringify({
    t: "HELLO",
    node_id: i.hello_node_id,
    circle_id: hexOf(circleTag(bytes(i.secret), mine.offer.nonce)),
    v2: offerJson(mine.offer),
  });
  const r = respond(hello, parseOffer(JSON.parse(hello).v2)!, {
    auth,
    epoch: 0,
    self: { edPublic: b.edPublic, edSecret: b.edSecret },
    rng: queueRng([i.responder_eph, i.responder_nonce]),
  });
  if (!r.ok) throw new Error(r.reason);
  const fi = finishInitiator(hello, mine, parseHsFrame(JSON.parse(r.value.line)), {
    authKeyOf: () => auth,
    self: { edPublic: a.edPublic, edSecret: a.edSecret },
  });
  if (!fi.ok) throw new Error(fi.reason);
  const fr = finishResponder(r.value.state, JSON.parse(fi.value.line));
  if (!fr.ok) throw new Error(fr.reason);
  return { a, b, hello, hs: r.value.line, auth_line: fi.value.line, ik: fi.value.keys, rk: fr.value.keys, fr, fi };
};
const handshake: Family = {
  description:
    "v2 handshake (§4) with explicit randomness: HELLO line (v2-only form: throwaway node id, circle tag), V2_HS and V2_AUTH lines, per-direction session keys, and the first sealed frames (counter 0 and 1).",
  valid: [
    {
      name: "alice dials bob",
      secret: CIRCLE_SECRET,
      initiator_seed: ALICE_SEED,
      responder_seed: BOB_SEED,
      hello_node_id: fill(80, 12),
      initiator_eph: fill(81, 32),
      initiator_nonce: fill(82, 32),
      responder_eph: fill(83, 32),
      responder_nonce: fill(84, 32),
      frame_bodies: ["0600000002686921", "0200000000"],
    },
  ],
  compute: (i) => {
    const h = hsCompute(i);
    const s = new FrameSealer(h.ik.send);
    const frames = i.frame_bodies.map((b: string) => s.seal(bytes(b)));
    const o = new FrameOpener(h.rk.recv);
    return {
      hello_line: h.hello,
      hs_line: h.hs,
      auth_line: h.auth_line,
      key_initiator_to_responder: hexOf(h.ik.send),
      key_responder_to_initiator: hexOf(h.ik.recv),
      responder_agrees: hexOf(h.rk.recv) === hexOf(h.ik.send) && hexOf(h.rk.send) === hexOf(h.ik.recv),
      responder_sees: h.fr.value.peerNodeId,
      initiator_sees: h.fi.value.peerNodeId,
      sealed_frames: frames,
      opened: frames.map((f: string) => hexOf(o.open(f))),
    };
  },
};

// ---- session frames ----
const frameCases: [string, Frame][] = [
  ["want", { t: "want", ids: [bytes(fill(90, 16)), bytes(fill(91, 16))] }],
  ["held", { t: "held", ids: [bytes(fill(93, 16))] }],
  [
    "msgs pushed",
    {
      t: "msgs",
      pushed: true,
      items: [
        { form: 1, data: bytes("0102") },
        { form: 0, data: utf8("{}") },
      ],
    },
  ],
  ["peers", { t: "peers", peers: [{ nodeId: "a1b2c3d4e5f60718293a4b5c", addr: "127.0.0.1:9999", lastSeen: TS }] }],
  ["close", { t: "close", reason: "bye" }],
  [
    "recon",
    {
      t: "recon",
      ranges: [
        { upper: { ts: TS, id: bytes("ab" + "00".repeat(15)) }, mode: "skip" },
        { upper: { ts: Infinity, id: new Uint8Array(16) }, mode: "fp", fp: bytes(fill(92, 16)) },
      ],
    },
  ],
  [
    "admit",
    {
      t: "admit",
      admit: {
        secret: bytes(CIRCLE_SECRET),
        v2Only: true,
        epoch: 2,
        epochKey: bytes(fill(93, 32)),
        ownerKey: bytes(fill(94, 32)),
        name: "club",
      },
    },
  ],
  ["signal", { t: "signal", hops: 0, to: "a1b2c3d4e5f60718293a4b5c", sessionId: fill(95, 16), payload: "AQAAAAA=" }],
];
const frames: Family = {
  description:
    "Session frame bodies (§4.6): encoded_hex decodes and re-encodes to itself. Invalid: bodies the decoder refuses.",
  valid: frameCases.map(([name, f]) => ({ name, encoded_hex: hexOf(encodeFrame(f)) })),
  compute: (i) => ({ reencoded_hex: hexOf(encodeFrame(decodeFrame(bytes(i.encoded_hex)))) }),
  invalid: [
    { name: "unknown type", hex: "7f", reason: "frame: unknown type 127" },
    { name: "want with too many ids", hex: "02" + "00000401", reason: "frame: too many items (1025 > 1024)" },
    {
      name: "unknown message form",
      hex: "03" + "00" + "00000001" + "07" + "00000000",
      reason: "frame: unknown message form",
    },
    {
      name: "recon not ending at infinity",
      hex: "01" + "00000001" + "0500" + "00",
      reason: "recon: ranges must end at the infinite bound",
    },
    { name: "recon unknown mode", hex: "01" + "00000001" + "0000" + "09", reason: "recon: unknown range mode" },
    { name: "trailing byte", hex: "06" + "00000000" + "00", reason: "frame: 1 trailing bytes" },
    {
      name: "signal passed on twice",
      hex: "07" + "02" + "00000000" + "00000000" + "00000000",
      reason: "frame: signal passed on too often",
    },
  ],
  check: (i) => errOf(() => decodeFrame(bytes(i.hex))),
};
for (const v of frames.valid) v.expect_reencoded = v.encoded_hex;

// ---- recon ----
const reconItems = (seed: number, n: number, ts0: number) =>
  Array.from({ length: n }, (_, j) => ({
    ts: ts0 + Math.floor(j / 3),
    id: fill(seed + j * 7, 12) + seed.toString(16).padStart(4, "0") + j.toString(16).padStart(4, "0"),
  }));
const recon: Family = {
  description:
    "Range reconciliation (§4.7): two item sets; the frames exchanged (hex) until the empty RECON; what each side wants and gives.",
  valid: [
    {
      name: "small sets (id lists)",
      a: reconItems(1, 5, TS),
      b: [...reconItems(1, 4, TS), ...reconItems(200, 2, TS + 10)],
    },
    {
      name: "100 common, 3 + 2 different (fingerprints, split, lists)",
      a: [...reconItems(3, 100, TS), ...reconItems(150, 3, TS + 5)],
      b: [...reconItems(3, 100, TS), ...reconItems(170, 2, TS + 7)],
    },
  ],
  compute: (i) => {
    const A = new ItemSet(i.a.map((x: Json) => itemOf(x.ts, x.id)));
    const B = new ItemSet(i.b.map((x: Json) => itemOf(x.ts, x.id)));
    const frames: string[] = [];
    const got: Json = { a_wants: [], a_gives: [], b_wants: [], b_gives: [] };
    let ranges = initialRanges(A);
    for (let turn = 0; ranges.length && turn < 20; turn++) {
      const enc = encodeRanges(new Writer(), ranges).finish();
      frames.push(hexOf(enc));
      const side = turn % 2 === 0 ? "b" : "a";
      const res = processRanges(side === "b" ? B : A, decodeRanges(new Reader(enc)));
      got[`${side}_wants`].push(...res.want.map(idHex));
      got[`${side}_gives`].push(...res.give.map(idHex));
      ranges = res.out;
    }
    for (const k of Object.keys(got)) got[k].sort();
    return { frames, ...got };
  },
};

// ---- invites ----
const owner = nodeKeysFromSeed(bytes(ALICE_SEED));
const inviteBase = {
  inviteId: bytes(fill(100, 16)),
  ticket: bytes(fill(101, 32)),
  circleId: CIRCLE_ID,
  circleName: "book club",
  ownerKey: owner.edPublic,
  peer: "127.0.0.1:9999",
  issuedTs: TS,
  expiresTs: TS + 86400,
  maxUses: 3,
};
const inviteJson = (x: typeof inviteBase) => ({
  invite_id: hexOf(x.inviteId),
  ticket: hexOf(x.ticket),
  circle_id: x.circleId,
  circle_name: x.circleName,
  owner_key: hexOf(x.ownerKey),
  peer: x.peer,
  issued_ts: x.issuedTs,
  expires_ts: x.expiresTs,
  max_uses: x.maxUses,
});
const invite: Family = {
  description:
    "felund2. invite codes (§10), signed by the owner (seed = alice). Decoded with now = issued_ts. Invalid: codes refused at `now`.",
  valid: [
    { name: "3 uses, 1 day", owner_seed: ALICE_SEED, invite: inviteJson(inviteBase) },
    {
      name: "relay peer, unlimited",
      owner_seed: ALICE_SEED,
      invite: inviteJson({ ...inviteBase, peer: "https://relay.example.com/api", maxUses: 0 }),
    },
  ],
  compute: (i) => {
    const x = i.invite;
    const inv = {
      inviteId: bytes(x.invite_id),
      ticket: bytes(x.ticket),
      circleId: x.circle_id,
      circleName: x.circle_name,
      ownerKey: bytes(x.owner_key),
      peer: x.peer,
      issuedTs: x.issued_ts,
      expiresTs: x.expires_ts,
      maxUses: x.max_uses,
    };
    const code = encodeInvite2(inv, nodeKeysFromSeed(bytes(i.owner_seed)).edSecret);
    const d = decodeInvite2(code, x.issued_ts);
    return { code, decodes: d.ok ? inviteJson(d.value) : d.reason };
  },
  invalid: [],
  check: (i) => {
    const d = decodeInvite2(i.code, i.now);
    return d.ok ? null : d.reason;
  },
};
{
  const code = encodeInvite2(inviteBase, owner.edSecret);
  const bob = nodeKeysFromSeed(bytes(BOB_SEED));
  invite.invalid = [
    { name: "expired", code, now: TS + 86400, reason: "invite expired" },
    {
      name: "signed by a member, not the owner",
      code: encodeInvite2(inviteBase, bob.edSecret),
      now: TS,
      reason: "invite is not signed by the circle owner",
    },
    {
      name: "lifetime beyond a year",
      code: encodeInvite2({ ...inviteBase, expiresTs: TS + 366 * 86400 }, owner.edSecret),
      now: TS,
      reason: "invite lifetime out of range",
    },
    { name: "felund1 prefix", code: "felund1.abc", now: TS, reason: 'invite code must start with "felund2."' },
    { name: "truncated", code: code.slice(0, 60), now: TS, reason: "invite code: invite: truncated" },
    {
      name: "bad peer",
      code: encodeInvite2({ ...inviteBase, peer: "nowhere" }, owner.edSecret),
      now: TS,
      reason: "invite peer: expected host:port or a relay URL",
    },
  ];
}

// ---- compact invite codes (§10.3): the same invites in fewer bytes, unsigned, with a check value ----
/** a compact code needs the invite id its ticket gives */
const compactBase = { ...inviteBase, inviteId: inviteIdOf(inviteBase.ticket) };
const compactOf = (x: typeof inviteBase) => encodeInvite2Compact(x, nodeKeysFromSeed(bytes(ALICE_SEED)).edSecret);
const inviteCompact: Family = {
  description:
    'felund2. invite codes in the compact form (§10.3): `code` is the compact code (no signature, invite_id = SHA-256(str "felund2/invite-id" | ticket)[0:16], a 4-byte check value), `long` the long form (§10) of the same invite signed by `owner_seed`; both decode (now = issued_ts) to `decodes`. Invalid: codes refused at `now`.',
  valid: [
    { name: "LAN peer, 3 uses, 1 day", owner_seed: ALICE_SEED, invite: inviteJson(compactBase) },
    {
      name: "relay peer, unlimited",
      owner_seed: ALICE_SEED,
      invite: inviteJson({ ...compactBase, peer: "https://relay.example.com/api", maxUses: 0 }),
    },
    {
      name: "plain http relay, no circle name",
      owner_seed: ALICE_SEED,
      invite: inviteJson({ ...compactBase, peer: "http://10.0.0.2:8080", circleName: "" }),
    },
    {
      name: "a host name peer stays text",
      owner_seed: ALICE_SEED,
      invite: inviteJson({ ...compactBase, peer: "box.lan:9999" }),
    },
  ],
  compute: (i) => {
    const x = i.invite;
    const inv = {
      inviteId: bytes(x.invite_id),
      ticket: bytes(x.ticket),
      circleId: x.circle_id,
      circleName: x.circle_name,
      ownerKey: bytes(x.owner_key),
      peer: x.peer,
      issuedTs: x.issued_ts,
      expiresTs: x.expires_ts,
      maxUses: x.max_uses,
    };
    const sk = nodeKeysFromSeed(bytes(i.owner_seed)).edSecret;
    const code = encodeInvite2Compact(inv, sk);
    const long = encodeInvite2(inv, sk);
    const d = decodeInvite2(code, x.issued_ts);
    const dl = decodeInvite2(long, x.issued_ts);
    if (JSON.stringify(d) !== JSON.stringify(dl)) throw new Error("the two forms decode differently");
    return { code, long, decodes: d.ok ? inviteJson(d.value) : d.reason };
  },
  invalid: [],
  check: (i) => {
    const d = decodeInvite2(i.code, i.now);
    return d.ok ? null : d.reason;
  },
};
{
  const code = compactOf(compactBase);
  const raw = fromBase64Url(code.slice("felund2.".length));
  const recode = (f: (b: Uint8Array) => Uint8Array) => "felund2." + toBase64Url(f(raw.slice()));
  /** a changed body with its check value made again: the code is whole, its content is what is wrong */
  const rechecked = (f: (b: Uint8Array) => Uint8Array) =>
    recode((b) => {
      const body = f(b.slice(0, -4));
      return Uint8Array.from([
        ...body,
        ...h256(new Writer().str("felund2/invite-check").raw(body).finish()).slice(0, 4),
      ]);
    });
  const at = code.length - 20;
  const typo = code.slice(0, at) + (code[at] === "x" ? "y" : "x") + code.slice(at + 1);
  const damaged = "invite code is damaged (a character is wrong, missing or extra; copy it again)";
  inviteCompact.invalid = [
    { name: "expired", code, now: TS + 86400, reason: "invite expired" },
    { name: "one character mistyped", code: typo, now: TS, reason: damaged },
    {
      name: "a field changed (max uses 3 -> 4)",
      code: recode((b) => {
        b[b.length - 5] = 4;
        return b;
      }),
      now: TS,
      reason: damaged,
    },
    { name: "cut short", code: code.slice(0, 60), now: TS, reason: damaged },
    { name: "trailing byte", code: recode((b) => Uint8Array.from([...b, 0])), now: TS, reason: damaged },
    {
      name: "unknown peer kind (check value made again)",
      code: rechecked((b) => {
        b[1 + 32 + 12 + 1 + 9 + 32] = 9;
        return b;
      }),
      now: TS,
      reason: "invite code: invite: unknown peer kind 9",
    },
    {
      name: "trailing byte before the check (check value made again)",
      code: rechecked((b) => Uint8Array.from([...b, 0])),
      now: TS,
      reason: "invite code: invite: 1 trailing bytes",
    },
    {
      name: "unknown version byte",
      code: recode((b) => {
        b[0] = 4;
        return b;
      }),
      now: TS,
      reason: "unsupported invite version",
    },
    { name: "not base64url", code: "felund2.A*B", now: TS, reason: "invite code is not base64url" },
  ];
}

export const FAMILIES: Record<string, Family> = {
  codec,
  keys,
  message,
  control,
  card,
  "channel-keys": channelKeys,
  rekey,
  envelope,
  padding,
  handshake,
  frames,
  recon,
  recon2,
  invite,
  "invite-compact": inviteCompact,
  "call-signal": callSignal,
  dm,
  refs,
};
