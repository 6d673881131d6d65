// v1 TCP frames (PROTOCOL-V1.md §3.2-3.5): builders and strict parsers. A parser returns the typed
// frame or throws ProtocolError, which ends that one connection.
import { isHex } from "./bytes.ts";
import { IDS_FRAME_MAX, MSGS_FRAME_MAX, PEERS_FRAME_MAX } from "./limits.ts";
import { MSG_ID_RE, isNodeId } from "./ids.ts";
import { ProtocolError } from "./verdict.ts";

/** Extension offered by felund-ts nodes inside HELLO/WELCOME; original nodes ignore it. */
export interface FelundExt {
  impl: string;
  max_line: number;
}

export interface Hello {
  t: "HELLO";
  node_id: string;
  circle_id: string;
  listen_addr?: string;
  nonce?: string;
  can_anchor?: boolean;
  ext?: FelundExt;
}
export interface Challenge {
  t: "CHALLENGE";
  nonce: string;
}
export interface HelloAuth {
  t: "HELLO_AUTH";
  token: string;
}
export interface Welcome {
  t: "WELCOME";
  node_id: string;
  enc_ready: boolean;
  can_anchor: boolean;
  ext?: FelundExt;
}
export interface PeerEntry {
  node_id: string;
  addr: string;
  last_seen: number;
}
export interface Peers {
  t: "PEERS";
  circle_id: string;
  peers: PeerEntry[];
}
export interface MsgsHave {
  t: "MSGS_HAVE";
  circle_id: string;
  msg_ids: string[];
}
export interface MsgsReq {
  t: "MSGS_REQ";
  circle_id: string;
  msg_ids: string[];
}
export interface MsgsSend {
  t: "MSGS_SEND";
  circle_id: string;
  messages: unknown[];
}
export interface ErrorFrame {
  t: "ERROR";
  err: string;
}

export function parseJsonFrame(line: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    throw new ProtocolError("frame is not JSON");
  }
  if (!v || typeof v !== "object" || Array.isArray(v)) throw new ProtocolError("frame is not a JSON object");
  const t = (v as Record<string, unknown>).t;
  if (typeof t !== "string") throw new ProtocolError("frame has no type");
  return v as Record<string, unknown>;
}

/** Fields nobody checks (the circle_id echoes): never String() a peer's value, whose toString may not be callable. */
const optStr = (v: unknown): string => (typeof v === "string" ? v : "");

const str = (v: unknown, what: string, max = 1024): string => {
  if (typeof v !== "string" || v.length > max) throw new ProtocolError(`${what} must be a string`);
  return v;
};

function parseExt(v: unknown): FelundExt | undefined {
  if (!v || typeof v !== "object" || Array.isArray(v)) return undefined;
  const e = v as Record<string, unknown>;
  if (
    typeof e.impl !== "string" ||
    typeof e.max_line !== "number" ||
    !Number.isSafeInteger(e.max_line) ||
    e.max_line < 1024
  )
    return undefined;
  return { impl: e.impl.slice(0, 64), max_line: e.max_line };
}

export function parseHello(f: Record<string, unknown>): Hello {
  if (f.t !== "HELLO") throw new ProtocolError("Expected HELLO");
  if (!isNodeId(f.node_id)) throw new ProtocolError("HELLO node_id is not valid");
  const circle_id = str(f.circle_id, "circle_id", 128);
  const nonce = f.nonce == null || f.nonce === "" ? undefined : str(f.nonce, "nonce", 128);
  if (nonce !== undefined && (!isHex(nonce) || nonce.length !== 32))
    throw new ProtocolError("HELLO nonce must be 32 hex");
  const listen_addr =
    f.listen_addr == null || f.listen_addr === "" ? undefined : str(f.listen_addr, "listen_addr", 300);
  return {
    t: "HELLO",
    node_id: f.node_id,
    circle_id,
    listen_addr,
    nonce,
    can_anchor: f.can_anchor === true,
    ext: parseExt(f.ext),
  };
}

export function parseChallenge(f: Record<string, unknown>): Challenge {
  if (f.t !== "CHALLENGE") throw new ProtocolError("Expected CHALLENGE");
  const nonce = str(f.nonce, "nonce", 128);
  if (!isHex(nonce) || nonce.length !== 32) throw new ProtocolError("CHALLENGE nonce must be 32 hex");
  return { t: "CHALLENGE", nonce };
}

export function parseHelloAuth(f: Record<string, unknown>): HelloAuth {
  if (f.t !== "HELLO_AUTH") throw new ProtocolError("Expected HELLO_AUTH");
  return { t: "HELLO_AUTH", token: str(f.token, "token", 128) };
}

export function parseWelcome(f: Record<string, unknown>): Welcome {
  if (f.t !== "WELCOME") throw new ProtocolError("Expected WELCOME");
  const node_id = f.node_id == null ? "" : str(f.node_id, "node_id", 128);
  return { t: "WELCOME", node_id, enc_ready: !!f.enc_ready, can_anchor: f.can_anchor === true, ext: parseExt(f.ext) };
}

/** PEERS: entries with bad types are dropped, not the whole frame (only the first PEERS_FRAME_MAX are read). */
export function parsePeers(f: Record<string, unknown>): Peers {
  if (f.t !== "PEERS") throw new ProtocolError("Bad sync frames");
  if (!Array.isArray(f.peers)) throw new ProtocolError("PEERS.peers must be an array");
  const peers: PeerEntry[] = [];
  for (const p of f.peers.slice(0, PEERS_FRAME_MAX)) {
    if (!p || typeof p !== "object") continue;
    const r = p as Record<string, unknown>;
    if (!isNodeId(r.node_id) || typeof r.addr !== "string" || r.addr.length === 0 || r.addr.length > 300) continue;
    const ls = typeof r.last_seen === "number" && Number.isFinite(r.last_seen) ? Math.floor(r.last_seen) : 0;
    peers.push({ node_id: r.node_id, addr: r.addr, last_seen: Math.max(0, ls) });
  }
  return { t: "PEERS", circle_id: optStr(f.circle_id), peers };
}

function parseIds(f: Record<string, unknown>, t: "MSGS_HAVE" | "MSGS_REQ", err: string): string[] {
  if (f.t !== t) throw new ProtocolError(err);
  if (!Array.isArray(f.msg_ids)) throw new ProtocolError(`${t}.msg_ids must be an array`);
  if (f.msg_ids.length > IDS_FRAME_MAX) throw new ProtocolError(`${t} has too many ids`);
  const ids: string[] = [];
  for (const id of f.msg_ids) if (typeof id === "string" && MSG_ID_RE.test(id)) ids.push(id);
  return ids;
}

export const parseMsgsHave = (f: Record<string, unknown>): MsgsHave => ({
  t: "MSGS_HAVE",
  circle_id: optStr(f.circle_id),
  msg_ids: parseIds(f, "MSGS_HAVE", "Bad sync frames"),
});
export const parseMsgsReq = (f: Record<string, unknown>): MsgsReq => ({
  t: "MSGS_REQ",
  circle_id: optStr(f.circle_id),
  msg_ids: parseIds(f, "MSGS_REQ", "Expected MSGS_REQ"),
});

export function parseMsgsSend(f: Record<string, unknown>): MsgsSend {
  if (f.t !== "MSGS_SEND") throw new ProtocolError("Expected MSGS_SEND");
  if (!Array.isArray(f.messages)) throw new ProtocolError("MSGS_SEND.messages must be an array");
  if (f.messages.length > MSGS_FRAME_MAX) throw new ProtocolError("MSGS_SEND has too many messages");
  return { t: "MSGS_SEND", circle_id: optStr(f.circle_id), messages: f.messages };
}
