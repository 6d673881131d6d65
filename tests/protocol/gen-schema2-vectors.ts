// Writes tests/vectors/v1-schema2.json: the newer original's message objects (reference
// felund-core-newer.md, "Test vectors", copied verbatim) and objects that must be refused, made
// from the reference object with this project's envelope seal (GCM nonce pinned). Run once
// (bun tests/protocol/gen-schema2-vectors.ts) when a case is added; the committed file is the contract.
import { writeFileSync } from "node:fs";
import { fromHex, toBase64 } from "../../src/protocol/bytes.ts";
import { computeMac, type ChatMessage } from "../../src/protocol/message.ts";
import { messageKey, sealEnvelope } from "../../src/protocol/envelope.ts";
import { checkEnc, parseWireObject } from "../../src/protocol/message-schema2.ts";
import { verifyMac } from "../../src/protocol/message.ts";

const SECRET = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const secret = fromHex(SECRET);
const CIRCLE = "630dcd2966c4336691125448";
/** reference felund-core-newer.md, "Schema-2 MSGS_SEND object", byte for byte */
const SCHEMA2 =
  '{"msg_id":"2546b8cd83872e3cb9825e4ca0d6f867","circle_id":"630dcd2966c4336691125448","author_node_id":"a1b2c3d4e5f60718293a4b5c","created_ts":1700000000,"text":"hello, world","channel_id":"general","display_name":"alice","mac":"f5da5f41e7197f69b53bfd31c7c6c07fa556b87e64a03d65d49d84d09e310918","schema_version":2,"enc":{"alg":"AES-256-GCM","key_id":"epoch-0","nonce":"AAECAwQFBgcICQoL","ciphertext":"P+qAgq7+/8wc0tBDIRdixIF9acii+xplJavxON37gZgiV68RQgyiNs+edQwylW7WcJaZVejt1nCFb242vY8="}}';
/** the same message as the plain v1 object (wire reference §11), what older originals get */
const PLAIN =
  '{"msg_id":"2546b8cd83872e3cb9825e4ca0d6f867","circle_id":"630dcd2966c4336691125448","author_node_id":"a1b2c3d4e5f60718293a4b5c","created_ts":1700000000,"text":"hello, world","channel_id":"general","display_name":"alice","mac":"f5da5f41e7197f69b53bfd31c7c6c07fa556b87e64a03d65d49d84d09e310918","schema_version":1}';
/** as the newer release's `send` and TUI write it: schema 1, "enc": null */
const SCHEMA1_NULL = PLAIN.slice(0, -1) + ',"enc":null}';

const ref = JSON.parse(SCHEMA2);
const nonce = Uint8Array.from({ length: 12 }, (_, i) => i);
const chat = (o: Record<string, unknown>): ChatMessage => ({
  msgId: o.msg_id as string,
  circleId: o.circle_id as string,
  channelId: o.channel_id as string,
  authorNodeId: o.author_node_id as string,
  displayName: o.display_name as string,
  createdTs: o.created_ts as number,
  text: o.text as string,
  mac: null,
});
/** the reference object with `enc` sealed over other fields (the clear ones and their MAC unchanged) */
const encOver = (over: Partial<ChatMessage>) => ({
  ...ref,
  enc: sealEnvelope(messageKey(secret), { ...chat(ref), ...over }, nonce).enc,
});
const withEnc = (enc: unknown) => ({ ...ref, enc });
const flipped = (() => {
  const ct = Buffer.from(ref.enc.ciphertext, "base64");
  ct[0]! ^= 1;
  return withEnc({ ...ref.enc, ciphertext: toBase64(ct) });
})();

const invalid: { name: string; stage: "parse" | "mac" | "enc"; reason: string; object: unknown }[] = [
  {
    name: "enc holds another text than the MAC'd clear text",
    stage: "enc",
    reason: "enc does not match the MAC'd display_name and text",
    object: encOver({ text: "hello, mallory" }),
  },
  {
    name: "enc holds another display name",
    stage: "enc",
    reason: "enc does not match the MAC'd display_name and text",
    object: encOver({ displayName: "mallory" }),
  },
  {
    name: "enc sealed for another channel (AAD of the clear fields differs)",
    stage: "enc",
    reason: "enc: envelope does not decrypt under the circle key",
    object: encOver({ channelId: "random" }),
  },
  {
    name: "enc ciphertext altered (tag fails)",
    stage: "enc",
    reason: "enc: envelope does not decrypt under the circle key",
    object: flipped,
  },
  {
    name: "enc nonce of 8 bytes",
    stage: "enc",
    reason: "enc: nonce must be 12 bytes",
    object: withEnc({ ...ref.enc, nonce: "AAECAwQFBgc=" }),
  },
  {
    name: "clear text changed, enc and MAC of the original",
    stage: "mac",
    reason: "MAC does not verify",
    object: { ...ref, text: "hello, mallory" },
  },
  {
    name: "clear text and MAC changed together, enc of the original",
    stage: "enc",
    reason: "enc does not match the MAC'd display_name and text",
    object: (() => {
      const o = { ...ref, text: "hello, mallory" };
      o.mac = computeMac(secret, chat(o));
      return o;
    })(),
  },
  { name: "enc is a string", stage: "parse", reason: "enc must be null or an object", object: withEnc("AAEC") },
  { name: "enc is an array", stage: "parse", reason: "enc must be null or an object", object: withEnc([]) },
  {
    name: "enc with a fifth key",
    stage: "parse",
    reason: "enc must hold exactly alg, key_id, nonce and ciphertext, as strings",
    object: withEnc({ ...ref.enc, extra: "x" }),
  },
  {
    name: "enc without its alg",
    stage: "parse",
    reason: "enc must hold exactly alg, key_id, nonce and ciphertext, as strings",
    object: withEnc({ key_id: "epoch-0", nonce: ref.enc.nonce, ciphertext: ref.enc.ciphertext, x: "" }),
  },
  {
    name: "enc nonce is a number",
    stage: "parse",
    reason: "enc must hold exactly alg, key_id, nonce and ciphertext, as strings",
    object: withEnc({ ...ref.enc, nonce: 7 }),
  },
  {
    name: "enc key_id over 32 characters",
    stage: "parse",
    reason: "enc alg and key_id must be short",
    object: withEnc({ ...ref.enc, key_id: "e".repeat(33) }),
  },
  {
    name: "schema_version 3",
    stage: "parse",
    reason: "schema_version must be 1 or 2",
    object: { ...ref, schema_version: 3 },
  },
  {
    name: "an eleventh key",
    stage: "parse",
    reason: 'unknown message key "sig"',
    object: { ...ref, sig: "" },
  },
];

/** The stage at which our checks refuse an object, and why ("" when accepted). */
function verdict(o: unknown): { stage: string; reason: string } {
  const p = parseWireObject(o);
  if (!p.ok) return { stage: "parse", reason: p.reason };
  if (p.value.msg.circleId !== CIRCLE || !verifyMac(secret, p.value.msg))
    return { stage: "mac", reason: "MAC does not verify" };
  if (p.value.enc) {
    const e = checkEnc(secret, p.value.msg, p.value.enc);
    if (!e.ok) return { stage: "enc", reason: e.reason };
  }
  return { stage: "", reason: "" };
}

for (const c of invalid) {
  const got = verdict(c.object);
  if (got.stage !== c.stage || got.reason !== c.reason)
    throw new Error(`${c.name}: expected ${c.stage} "${c.reason}", got ${got.stage} "${got.reason}"`);
}
for (const s of [SCHEMA2, SCHEMA1_NULL]) if (verdict(JSON.parse(s)).stage) throw new Error("valid case refused");

const out = {
  description:
    "Message objects of felund-core's newer releases (felund-core-newer.md a1): a v1 object (reference §4.1) with a tenth key enc (null, or the §4.4 envelope of display_name and text: AES-256-GCM under HKDF-SHA256(secret, info felund-msg-v1), AAD msg_id|circle_id|channel_id|author_node_id|created_ts) and schema_version 1 or 2; the MAC still covers the clear fields. valid: wire_json is accepted; plain_json is the object an older original gets (enc and schema_version 2 dropped, same MAC). invalid: refused at `stage` (parse: type checks; mac: the MAC; enc: enc does not open, or holds another display_name/text than the MAC'd clear fields) for `reason`. The valid cases are copied from the reference; the invalid ones were made from them with this project's envelope seal (nonce bytes 0..11) by tests/protocol/gen-schema2-vectors.ts.",
  secret_hex: SECRET,
  circle_id: CIRCLE,
  message_key: "9ecf1f063d75560bcb2448b2cb97f460d30893f0b95247a074666be04ac16915",
  valid: [
    {
      name: "schema-2 object of the newer release (reference vector)",
      wire_json: SCHEMA2,
      plain_json: PLAIN,
      gcm_nonce_hex: "000102030405060708090a0b",
      plaintext: '{"display_name":"alice","text":"hello, world"}',
    },
    {
      name: "schema-1 object of the newer release's send/TUI (enc null)",
      wire_json: SCHEMA1_NULL,
      plain_json: PLAIN,
    },
  ],
  invalid,
};
writeFileSync(new URL("../vectors/v1-schema2.json", import.meta.url), JSON.stringify(out, null, 2) + "\n");
console.log(`v1-schema2.json: ${out.valid.length} valid, ${invalid.length} invalid`);
