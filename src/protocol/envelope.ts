// The encrypted relay envelope (PROTOCOL-V1.md §4.4) and its legacy MAC form.
import { fromBase64, fromUtf8, jsonCompact, toBase64, utf8, utf8Length } from "./bytes.ts";
import { aesGcmOpen, aesGcmSeal, hkdfSha256 } from "./crypto.ts";
import { MSG_ID_RE, isNodeId } from "./ids.ts";
import { DISPLAY_NAME_WIRE_MAX, MAX_TEXT_BYTES } from "./limits.ts";
import { isChannelIdOrControl } from "./channel-id.ts";
import { parseWireMessage, verifyMac, type ChatMessage } from "./message.ts";
import { accept, reject, type Verdict } from "./verdict.ts";

export interface EncBlock {
  alg: string;
  key_id: string;
  nonce: string;
  ciphertext: string;
}
export interface Envelope {
  msg_id: string;
  circle_id: string;
  channel_id: string;
  author_node_id: string;
  created_ts: number;
  enc: EncBlock;
}

/** message_key = HKDF(secret, salt = empty, info "felund-msg-v1") */
export const messageKey = (secret: Uint8Array): Uint8Array => hkdfSha256(secret, new Uint8Array(0), "felund-msg-v1");

const aadOf = (m: { msgId: string; circleId: string; channelId: string; authorNodeId: string; createdTs: number }) =>
  utf8(`${m.msgId}|${m.circleId}|${m.channelId}|${m.authorNodeId}|${m.createdTs}`);

export function sealEnvelope(key: Uint8Array, m: ChatMessage, nonce: Uint8Array): Envelope {
  const pt = utf8(jsonCompact({ display_name: m.displayName, text: m.text }));
  const ct = aesGcmSeal(key, nonce, pt, aadOf(m));
  return {
    msg_id: m.msgId,
    circle_id: m.circleId,
    channel_id: m.channelId,
    author_node_id: m.authorNodeId,
    created_ts: m.createdTs,
    enc: { alg: "AES-256-GCM", key_id: "epoch-0", nonce: toBase64(nonce), ciphertext: toBase64(ct) },
  };
}

/**
 * Decrypt-and-verify an envelope of the expected circle. Also accepts the legacy form with
 * display_name/text/mac (verified by MAC). The result has no MAC (callers that hold the
 * secret compute one, so the message can travel on to v1 TCP peers).
 */
export function openEnvelope(key: Uint8Array, secret: Uint8Array, circleId: string, o: unknown): Verdict<ChatMessage> {
  if (!o || typeof o !== "object" || Array.isArray(o)) return reject("envelope is not an object");
  const e = o as Record<string, unknown>;
  if (e.enc === undefined) {
    const { schema_version: _sv, ...rest } = e;
    const parsed = parseWireMessage(rest);
    if (!parsed.ok) return parsed;
    if (parsed.value.circleId !== circleId) return reject("envelope of another circle");
    if (!verifyMac(secret, parsed.value)) return reject("legacy envelope MAC does not verify");
    return parsed;
  }
  if (typeof e.msg_id !== "string" || !MSG_ID_RE.test(e.msg_id)) return reject("msg_id must be 32 lowercase hex");
  if (e.circle_id !== circleId) return reject("envelope of another circle");
  if (typeof e.channel_id !== "string" || !isChannelIdOrControl(e.channel_id)) return reject("channel_id is not valid");
  if (!isNodeId(e.author_node_id)) return reject("author_node_id is not a valid node id");
  if (typeof e.created_ts !== "number" || !Number.isSafeInteger(e.created_ts) || e.created_ts < 0)
    return reject("created_ts must be a non-negative integer");
  const enc = e.enc as Record<string, unknown> | null;
  if (!enc || typeof enc !== "object" || typeof enc.nonce !== "string" || typeof enc.ciphertext !== "string")
    return reject("enc must carry nonce and ciphertext");
  const m = {
    msgId: e.msg_id,
    circleId,
    channelId: e.channel_id,
    authorNodeId: e.author_node_id,
    createdTs: e.created_ts,
  };
  const body = openEnc(key, { nonce: enc.nonce, ciphertext: enc.ciphertext }, m);
  return body.ok ? accept({ ...m, ...body.value, mac: null }) : body;
}

/**
 * Open an `enc` block (nonce and ciphertext as strings) under the message key, with the AAD
 * rebuilt from the clear fields; the display name and text it holds, coerced to strings as
 * the originals do and bounded as a TCP message object's.
 */
export function openEnc(
  key: Uint8Array,
  enc: { nonce: string; ciphertext: string },
  m: { msgId: string; circleId: string; channelId: string; authorNodeId: string; createdTs: number },
): Verdict<{ displayName: string; text: string }> {
  let body: Record<string, unknown>;
  try {
    const nonce = fromBase64(enc.nonce);
    if (nonce.length !== 12) return reject("nonce must be 12 bytes");
    const pt = aesGcmOpen(key, nonce, fromBase64(enc.ciphertext), aadOf(m));
    const parsed = JSON.parse(fromUtf8(pt));
    if (!parsed || typeof parsed !== "object") return reject("envelope plaintext is not an object");
    body = parsed;
  } catch {
    return reject("envelope does not decrypt under the circle key");
  }
  // Coerced to strings as the originals do; objects are refused (String() on one can throw).
  const dn = body.display_name ?? "";
  const tx = body.text ?? "";
  if (typeof dn === "object" || typeof tx === "object") return reject("envelope display_name/text must be strings");
  const displayName = String(dn);
  const text = String(tx);
  // Same bounds as a TCP message object: the opened message may be forwarded to v1 peers.
  if (utf8Length(text) > MAX_TEXT_BYTES) return reject("text too long");
  if (displayName.length > DISPLAY_NAME_WIRE_MAX) return reject("display_name must be a short string");
  return accept({ displayName, text });
}
