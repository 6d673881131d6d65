// Vector family "refs" (tests/vectors/v2-refs.json, docs/PROTOCOL.md §18): signed messages of
// kinds 3-6 (reply, reaction, edit, delete) whose body names a target msg_id, in clear and sealed
// form. Valid cases give every input (seed, fields, content, channel key and nonce when sealed);
// invalid ones give a wire that decode + verify must refuse with the stated reason.
import { openBody, sealBody } from "../../src/protocol/v2/channel-keys.ts";
import { nodeKeysFromSeed } from "../../src/protocol/v2/keys.ts";
import { decodeMessage, orderFields, signMessage, verifyMessage } from "../../src/protocol/v2/message.ts";
import {
  clearPayload,
  decodeRefBody,
  encodeRefBody,
  FORM_CLEAR,
  FORM_SEALED,
  refBodyError,
  rowText,
  type RefKind,
} from "../../src/protocol/v2/refs.ts";
import { fromUtf8 } from "../../src/protocol/bytes.ts";
import { ALICE_SEED, BOB_SEED, CIRCLE_ID, TS, bytes, fill, hexOf, type Json } from "./vector-inputs.ts";

const TARGET = "d2e6b5dbe8fb79c09e2c32592b257bb3";

function bodyOf(i: Json): Uint8Array {
  if (i.kind === 6) return encodeRefBody({ targetId: i.target_id, form: FORM_CLEAR, payload: new Uint8Array() });
  if (!i.channel_key)
    return encodeRefBody({ targetId: i.target_id, form: FORM_CLEAR, payload: clearPayload(i.content) });
  const sealed = sealBody(
    bytes(i.channel_key),
    { circleId: i.circle_id, channelId: i.channel_id, keyVersion: i.key_version, text: i.content },
    bytes(i.nonce),
  );
  return encodeRefBody({ targetId: i.target_id, form: FORM_SEALED, payload: sealed });
}

function sign(i: Json, body = bodyOf(i)) {
  const k = nodeKeysFromSeed(bytes(i.author_seed));
  return signMessage(k.edSecret, {
    circleId: i.circle_id,
    channelId: i.channel_id,
    authorKey: k.edPublic,
    ...orderFields(i.created_ms, i.author_seq),
    keyEpoch: 0,
    kind: i.kind,
    displayName: i.display_name,
    body,
    salt: bytes(i.salt),
  });
}

const base = (name: string, kind: number, extra: Json, seed = ALICE_SEED): Json => ({
  name,
  author_seed: seed,
  circle_id: CIRCLE_ID,
  channel_id: "general",
  created_ms: TS * 1000 + 10 * kind,
  author_seq: 10 + kind,
  kind,
  display_name: "alice",
  target_id: TARGET,
  salt: fill(40 + kind, 16),
  ...extra,
});

export const refs = {
  description:
    "Ref kinds (§18): 3 reply, 4 reaction, 5 edit, 6 delete. body = fixed16 target msg_id | u8 form (0 clear, 1 sealed) | bytes payload; content: reply '> NAME: LINE\\n\\nTEXT', reaction '+EMOJI' / '-EMOJI', edit the new text, delete none. row_text is what a store keeps and what original peers of a legacy circle get. Invalid: wire_hex that decode+verify (circle 630d…, now = 1800000000) refuse.",
  valid: [
    base("reply", 3, { content: "> bob: hello, world\n\nhi bob" }),
    base("reaction add", 4, { content: "+👍" }),
    base("reaction remove", 4, { content: "-👍", author_seq: 15, created_ms: TS * 1000 + 99 }),
    base("edit", 5, { content: "hello, world (fixed)" }),
    base("delete by the circle owner", 6, {}, BOB_SEED),
    base("sealed reply", 3, {
      channel_id: "secret-room",
      content: "> bob: the plan\n\nagreed",
      channel_key: fill(90, 32),
      key_version: 1,
      nonce: fill(91, 12),
    }),
  ] as Json[],
  compute(i: Json): Json {
    const m = sign(i);
    const d = decodeMessage(m.wire);
    const b = decodeRefBody(d.body);
    const content =
      b.form === FORM_SEALED
        ? openBody(bytes(i.channel_key), i.circle_id, i.channel_id, b.payload)
        : fromUtf8(b.payload);
    return {
      body_hex: hexOf(m.body),
      msg_id: m.msgId,
      wire_hex: hexOf(m.wire),
      verifies: verifyMessage(d, CIRCLE_ID, TS).ok,
      decoded_target_id: b.targetId,
      decoded_form: b.form,
      decoded_content: content,
      row_text: rowText(i.kind as RefKind, content ?? ""),
    };
  },
  invalid: [] as Json[],
  check(i: Json): string | null {
    try {
      // the message rules, then the ref body's (refs.ts, checked on accept with the other ref rules)
      const m = decodeMessage(bytes(i.wire_hex));
      const v = verifyMessage(m, CIRCLE_ID, TS);
      return v.ok ? refBodyError(m.kind as RefKind, m.body) : v.reason;
    } catch (e) {
      return (e as Error).message;
    }
  },
};

{
  const w = (i: Json, body: Uint8Array) => hexOf(sign(i, body).wire);
  const clear = (s: string) => encodeRefBody({ targetId: TARGET, form: FORM_CLEAR, payload: clearPayload(s) });
  refs.invalid = [
    {
      name: "delete with content",
      wire_hex: w(base("", 6, {}), clear("x")),
      reason: "delete carries no content",
    },
    {
      name: "reaction without + or -",
      wire_hex: w(base("", 4, {}), clear("👍")),
      reason: "reaction must start with + or -",
    },
    {
      name: "reaction of more than one emoji",
      wire_hex: w(base("", 4, {}), clear("+" + "👍".repeat(9))),
      reason: "reaction is not one emoji",
    },
    { name: "empty edit", wire_hex: w(base("", 5, {}), clear("  ")), reason: "empty text" },
    {
      name: "unknown form",
      wire_hex: w(base("", 3, {}), Uint8Array.from([...bytes(TARGET), 2, 0, 0, 0, 0])),
      reason: "ref body: unknown form",
    },
    {
      name: "target cut short",
      wire_hex: w(base("", 5, {}), bytes(TARGET).slice(0, 10)),
      reason: "ref body: truncated",
    },
    {
      name: "reply in __control",
      wire_hex: w(base("", 3, { channel_id: "__control" }), clear("> a: b\n\nc")),
      reason: "control events live in __control, and only they",
    },
    {
      name: "sealed payload that is not a sealed body",
      wire_hex: w(base("", 5, {}), encodeRefBody({ targetId: TARGET, form: FORM_SEALED, payload: clearPayload("x") })),
      reason: "sealed body: unknown version",
    },
  ];
}
