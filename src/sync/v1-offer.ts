// What a v1 exchange offers a peer (PROTOCOL-V1.md §3.5-3.8), within that peer's line limits:
// towards an original node every line stays within v1's 16 KiB plain / 32 KiB encrypted; two
// felund-ts nodes that both advertise the extension may use larger ones.
import { utf8Length } from "../protocol/bytes.ts";
import type { FelundExt, PeerEntry } from "../protocol/frames.ts";
import { toWireV1, type ChatMessage } from "../protocol/message.ts";
import {
  EXT_LINE_MAX,
  PEERS_SEND_MAX,
  V1_ENC_LINE_MAX,
  V1_MAX_PER_CIRCLE,
  V1_PLAIN_LINE_MAX,
  V1_RETENTION_S,
} from "../protocol/limits.ts";
import type { PeerKnowledge } from "./knowledge.ts";
import type { SyncStore } from "./store.ts";

/** Largest plaintext JSON (bytes, without "\n") that fits one line to this peer. */
export function lineBudget(peerExt: FelundExt | undefined, encrypted: boolean): number {
  const line = peerExt ? Math.min(peerExt.max_line, EXT_LINE_MAX) : encrypted ? V1_ENC_LINE_MAX : V1_PLAIN_LINE_MAX;
  return encrypted ? Math.floor((line - 1) / 4) * 3 - 28 : line - 1;
}

/** How many msg ids a MSGS_HAVE / MSGS_REQ of this circle can carry within `budget` (35 bytes an id). */
export function idsCapacity(t: string, circleId: string, budget: number): number {
  const base = utf8Length(JSON.stringify({ t, circle_id: circleId, msg_ids: [] }));
  return Math.max(0, Math.floor((budget - base + 1) / 35));
}

/**
 * The PEERS and MSGS_HAVE frames (plaintext JSON) that open the sync: members with an address,
 * freshest first, and what the peer keeps and is not known to hold, newest first, each cut to
 * fit; `more` when some ids did not fit (another exchange should follow at once).
 */
export function syncOffer(
  d: { store: SyncStore; knowledge: PeerKnowledge; now: () => number },
  cid: string,
  peerNodeId: string,
  peerExt: boolean,
  budget: number,
): { peers: string; have: string; more: boolean } {
  const now = d.now();
  const peers: PeerEntry[] = d.store
    .listPeers(cid)
    .filter((p) => p.addr && p.nodeId !== peerNodeId)
    .sort((a, b) => Math.max(b.lastSeen, b.lastOk) - Math.max(a.lastSeen, a.lastOk))
    .slice(0, PEERS_SEND_MAX)
    .map((p) => ({ node_id: p.nodeId, addr: p.addr, last_seen: Math.min(now, Math.max(p.lastSeen, p.lastOk)) }));
  let peersJson = JSON.stringify({ t: "PEERS", circle_id: cid, peers });
  while (utf8Length(peersJson) > budget && peers.length) {
    peers.pop();
    peersJson = JSON.stringify({ t: "PEERS", circle_id: cid, peers });
  }
  const offer = peerExt
    ? d.store.offerIds(cid, {})
    : d.store.offerIds(cid, { minCreatedTs: now - V1_RETENTION_S, limit: V1_MAX_PER_CIRCLE });
  const held = peerNodeId ? d.knowledge.heldBy(cid, peerNodeId) : new Set<string>();
  const cap = idsCapacity("MSGS_HAVE", cid, budget);
  const ids: string[] = [];
  let more = false;
  for (const id of offer) {
    if (held.has(id)) continue;
    if (ids.length >= cap) {
      more = true;
      break;
    }
    ids.push(id);
  }
  ids.sort();
  return { peers: peersJson, have: JSON.stringify({ t: "MSGS_HAVE", circle_id: cid, msg_ids: ids }), more };
}

/**
 * A stored message as the v1 object this peer gets: to a newer original, its schema-2 object as
 * received (when there is one and it fits `max` bytes); else the plain nine-key object, which
 * every release accepts (the MAC covers only the clear fields, so it stays valid).
 */
export function wireText(store: SyncStore, m: ChatMessage, newerPeer: boolean, max: number): string {
  const raw = newerPeer ? store.getV1Wire?.(m.msgId) : undefined;
  return raw && utf8Length(raw) <= max ? raw : JSON.stringify(toWireV1(m));
}
