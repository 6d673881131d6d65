// The v1 message object (PROTOCOL-V1.md §4.1), its MAC (§4.3) and the type checks that keep a
// peer's malformed object out of the store (W6).
import { hmacHex, timingSafeEqualStr } from "./crypto.ts";
import { utf8Length } from "./bytes.ts";
import { MSG_ID_RE, isNodeId } from "./ids.ts";
import { DISPLAY_NAME_WIRE_MAX, MAX_TEXT_BYTES } from "./limits.ts";
import { DEFAULT_CHANNEL, isChannelIdOrControl } from "./channel-id.ts";
import { accept, reject, type Verdict } from "./verdict.ts";

// (the two channel names live with the channel ids, so code that only needs them does not load this module)
export { CONTROL_CHANNEL, DEFAULT_CHANNEL } from "./channel-id.ts";

/** A message as every layer sees it. `mac` is the v1 HMAC when known. */
export interface ChatMessage {
  msgId: string;
  circleId: string;
  channelId: string;
  authorNodeId: string;
  displayName: string;
  createdTs: number;
  text: string;
  mac: string | null;
}

/** The nine keys, in the order Python serialises them. */
export interface WireMessageV1 {
  msg_id: string;
  circle_id: string;
  author_node_id: string;
  created_ts: number;
  text: string;
  channel_id: string;
  display_name: string;
  mac: string;
  schema_version: number;
}

const WIRE_KEYS = new Set([
  "msg_id",
  "circle_id",
  "author_node_id",
  "created_ts",
  "text",
  "channel_id",
  "display_name",
  "mac",
  "schema_version",
]);

export const macInput = (m: Omit<ChatMessage, "mac">): string =>
  `${m.msgId}|${m.circleId}|${m.channelId}|${m.authorNodeId}|${m.displayName}|${m.createdTs}|${m.text}`;

export const computeMac = (secret: Uint8Array, m: Omit<ChatMessage, "mac">): string => hmacHex(secret, macInput(m));

export function verifyMac(secret: Uint8Array, m: ChatMessage): boolean {
  if (!m.mac) return false;
  return timingSafeEqualStr(computeMac(secret, m), m.mac);
}

export function toWireV1(m: ChatMessage): WireMessageV1 {
  return {
    msg_id: m.msgId,
    circle_id: m.circleId,
    author_node_id: m.authorNodeId,
    created_ts: m.createdTs,
    text: m.text,
    channel_id: m.channelId,
    display_name: m.displayName,
    mac: m.mac ?? "",
    schema_version: 1,
  };
}

/**
 * Type-check one received message object. Unknown keys reject (as Python does); every field
 * must have its wire type; sizes are bounded. The MAC is checked separately.
 */
export function parseWireMessage(o: unknown): Verdict<ChatMessage> {
  if (!o || typeof o !== "object" || Array.isArray(o)) return reject("message is not an object");
  const r = o as Record<string, unknown>;
  for (const k of Object.keys(r)) if (!WIRE_KEYS.has(k)) return reject(`unknown message key "${k}"`);
  if (typeof r.msg_id !== "string" || !MSG_ID_RE.test(r.msg_id)) return reject("msg_id must be 32 lowercase hex");
  if (typeof r.circle_id !== "string") return reject("circle_id must be a string");
  if (!isNodeId(r.author_node_id)) return reject("author_node_id is not a valid node id");
  if (typeof r.created_ts !== "number" || !Number.isSafeInteger(r.created_ts) || r.created_ts < 0)
    return reject("created_ts must be a non-negative integer");
  if (typeof r.text !== "string") return reject("text must be a string");
  if (utf8Length(r.text) > MAX_TEXT_BYTES) return reject("text too long");
  const channelId = r.channel_id === undefined ? DEFAULT_CHANNEL : r.channel_id;
  if (typeof channelId !== "string" || !isChannelIdOrControl(channelId)) return reject("channel_id is not valid");
  const displayName = r.display_name === undefined ? "" : r.display_name;
  if (typeof displayName !== "string" || displayName.length > DISPLAY_NAME_WIRE_MAX)
    return reject("display_name must be a short string");
  const mac = r.mac === undefined ? "" : r.mac;
  if (typeof mac !== "string" || !(mac === "" || /^[0-9a-f]{64}$/.test(mac)))
    return reject("mac must be 64 lowercase hex");
  if (r.schema_version !== undefined && (typeof r.schema_version !== "number" || !Number.isInteger(r.schema_version)))
    return reject("schema_version must be an integer");
  return accept({
    msgId: r.msg_id,
    circleId: r.circle_id,
    channelId,
    authorNodeId: r.author_node_id,
    displayName,
    createdTs: r.created_ts,
    text: r.text,
    mac: mac || null,
  });
}
