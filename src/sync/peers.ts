// Peer bookkeeping with the defences of PROTOCOL-V1.md §10 W3: gossiped records never redirect a
// peer we reached ourselves, claimed last_seen values are clamped to our clock, gossip-only
// peers expire, and dial selection keeps slots for peers we know work plus random others,
// so a handful of fabricated "freshest" entries cannot eclipse the loop. Never dials itself.
import { parseHostPort } from "../protocol/hostport.ts";
import { DIALS_PER_ROUND, PEER_EXPIRE_S, PEER_MAX_FAILURES, PEER_SEEN_WRITE_S } from "../protocol/limits.ts";
import type { Rng } from "../protocol/crypto.ts";
import type { PeerEntry } from "../protocol/frames.ts";
import type { PeerRow, SyncStore } from "./store.ts";

export interface SelfInfo {
  nodeId: string;
  isSelfAddr(addr: string): boolean;
}

const blank = (circleId: string, nodeId: string): PeerRow => ({
  circleId,
  nodeId,
  addr: "",
  lastSeen: 0,
  lastOk: 0,
  failures: 0,
  source: "gossip",
  proto: "",
});

/** Merge a received PEERS list. */
export function mergeGossipPeers(
  store: SyncStore,
  self: SelfInfo,
  circleId: string,
  entries: PeerEntry[],
  now: number,
): number {
  let changed = 0;
  store.transaction(() => {
    for (const e of entries) {
      if (e.node_id === self.nodeId || !parseHostPort(e.addr) || self.isSelfAddr(e.addr)) continue;
      const claimed = Math.min(e.last_seen, now);
      const cur = store.getPeer(circleId, e.node_id);
      if (!cur) {
        store.putPeer({ ...blank(circleId, e.node_id), addr: e.addr, lastSeen: claimed });
        changed++;
        continue;
      }
      if (verifiedAddr(cur, now) || !cur.addr) {
        // keep the address we verified; only learn an address we lacked
        if (!cur.addr) {
          store.putPeer({ ...cur, addr: e.addr, lastSeen: Math.max(cur.lastSeen, claimed) });
          changed++;
        }
        continue;
      }
      if (claimed > cur.lastSeen) {
        store.putPeer({ ...cur, addr: e.addr, lastSeen: claimed, failures: cur.addr === e.addr ? cur.failures : 0 });
        changed++;
      }
    }
  });
  return changed;
}

/** We completed an exchange at this address recently and it has not been failing since. */
const verifiedAddr = (p: PeerRow, now: number): boolean =>
  !!p.addr && p.lastOk > 0 && now - p.lastOk < PEER_EXPIRE_S && p.failures < 3;

/**
 * A member authenticated to us (inbound). `addr` is observed host + advertised port, or null.
 * The handshake proves the circle secret, not the node id: any member can claim another's id,
 * so an address we verified ourselves is not replaced by the claim (it is once it fails).
 */
export function recordInbound(
  store: SyncStore,
  circleId: string,
  nodeId: string,
  addr: string | null,
  now: number,
  proto: string,
): void {
  const found = store.getPeer(circleId, nodeId);
  const cur = found ?? { ...blank(circleId, nodeId), source: "direct" };
  const next = addr && !verifiedAddr(cur, now) ? addr : cur.addr;
  const row = {
    ...cur,
    addr: next,
    lastSeen: now,
    proto: proto || cur.proto,
    failures: next !== cur.addr ? 0 : cur.failures,
  };
  if (found && onlyFresher(found, row, now)) return;
  store.putPeer(row);
}

/**
 * Nothing but the last-seen time would change, and the stored one is recent: no write. A peer
 * that dials every few seconds (an original's rounds, a poller) would otherwise cost a commit,
 * and so an fsync, per exchange.
 */
const onlyFresher = (a: PeerRow, b: PeerRow, now: number): boolean =>
  a.addr === b.addr &&
  a.proto === b.proto &&
  a.failures === b.failures &&
  a.lastOk === b.lastOk &&
  a.source === b.source &&
  now - a.lastSeen < PEER_SEEN_WRITE_S;

/**
 * We dialled `addr` and completed an exchange with a member that says it is `nodeId`. If we
 * verified that id at another address, which still works, the claim does not move it (see
 * recordInbound).
 */
export function recordDialOk(
  store: SyncStore,
  circleId: string,
  nodeId: string,
  addr: string,
  now: number,
  proto: string,
): void {
  const cur = store.getPeer(circleId, nodeId) ?? { ...blank(circleId, nodeId), source: "direct" };
  if (cur.addr !== addr && verifiedAddr(cur, now)) return;
  const row = { ...cur, addr, lastSeen: now, lastOk: now, failures: 0, proto: proto || cur.proto };
  if (
    cur.addr === addr &&
    cur.failures === 0 &&
    cur.proto === row.proto &&
    cur.lastOk > 0 &&
    now - cur.lastOk < PEER_SEEN_WRITE_S &&
    now - cur.lastSeen < PEER_SEEN_WRITE_S
  )
    return;
  store.putPeer(row);
}

export function recordDialFailure(store: SyncStore, circleId: string, nodeId: string, _now: number): void {
  const cur = store.getPeer(circleId, nodeId);
  if (cur) store.putPeer({ ...cur, failures: cur.failures + 1 });
}

/** Forget gossip-only peers nobody confirmed for a day, and peers that keep failing. */
export function expirePeers(store: SyncStore, circleId: string, now: number): number {
  let n = 0;
  for (const p of store.listPeers(circleId)) {
    const stale = now - Math.max(p.lastSeen, p.lastOk) > PEER_EXPIRE_S;
    const neverOk = p.lastOk === 0;
    const failing = p.failures >= PEER_MAX_FAILURES && now - p.lastOk > PEER_EXPIRE_S;
    if ((neverOk && stale && p.source === "gossip") || failing) {
      store.deletePeer(circleId, p.nodeId);
      n++;
    }
  }
  return n;
}

/** Exponential back-off after failures: 0, 5, 10, 20, ... up to 600 s. */
export const backoffS = (failures: number): number => (failures <= 0 ? 0 : Math.min(600, 5 * 2 ** (failures - 1)));

/**
 * Choose whom to dial this round: up to 3 peers we reached most recently, the rest at random
 * among other candidates (never self, never an address of ours, skipping peers in back-off).
 */
export function selectDials(
  peers: PeerRow[],
  self: SelfInfo,
  lastAttempt: (p: PeerRow) => number,
  now: number,
  rng: Rng,
  n = DIALS_PER_ROUND,
): PeerRow[] {
  const cands = peers.filter(
    (p) =>
      p.addr &&
      p.nodeId !== self.nodeId &&
      !self.isSelfAddr(p.addr) &&
      parseHostPort(p.addr) &&
      now - lastAttempt(p) >= backoffS(p.failures),
  );
  const proven = cands
    .filter((p) => p.lastOk > 0)
    .sort((a, b) => b.lastOk - a.lastOk)
    .slice(0, Math.min(3, n));
  const rest = cands.filter((p) => !proven.includes(p));
  const out = [...proven];
  while (out.length < n && rest.length > 0) {
    const r = rng(2);
    const i = ((r[0]! << 8) | r[1]!) % rest.length;
    out.push(rest.splice(i, 1)[0]!);
  }
  return out;
}
