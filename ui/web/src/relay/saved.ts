// The relay-only peer's persistence adapter (persist.ts: IndexedDB, or memory): what comes back
// at start (the identity, circles, pull cursors, history with its derived state, or history
// from before v2 applied again) and what goes back after each change (one ordered chain of
// commits). Part of the first load; the pre-v2 path loads the v1 code (legacy.ts) it needs.
import { fromHex, toHex } from "../../../../src/protocol/bytes.ts";
import type { Rng } from "../../../../src/protocol/crypto.ts";
import { edPrepare } from "../../../../src/protocol/primitives.ts";
import { type NodeKeys, nodeKeysFromSeed } from "../../../../src/protocol/v2/keys.ts";
import { ensureGeneral } from "../../../../src/sync/store.ts";
import type { PeerCtx } from "../../../../src/peer/ctx.ts";
import type { MemStore } from "./mem-store.ts";
import type { Commit, MessageRecord, NodeRecord, Persistence, Snapshot } from "./persist.ts";
import type { RelayClient } from "./relay-client.ts";

export type Legacy = typeof import("./legacy.ts");

/**
 * The Ed25519 identity (node_id = its key's id). A record from before v2 (no seed) is replaced
 * and saved, once: `old` is its id, kept in formerIds.
 */
export async function loadIdentity(
  persist: Persistence,
  rng: Rng,
  n: NodeRecord | null,
): Promise<{ node: NodeRecord; keys: NodeKeys; old?: string }> {
  const seed = n?.seed ? fromHex(n.seed) : rng(32);
  await edPrepare(seed); // (its public key by WebCrypto: the Ed25519 code loads when first needed)
  const keys = nodeKeysFromSeed(seed);
  if (n?.seed) return { keys, node: { ...n, nodeId: keys.nodeId } };
  const old = n?.nodeId;
  const node = {
    nodeId: keys.nodeId,
    displayName: n?.displayName ?? "anon",
    relayBase: n?.relayBase ?? "",
    seed: toHex(seed),
    formerIds: old ? [...(n?.formerIds ?? []), old] : [],
  };
  await persist.saveNode(node);
  return { keys, node, old };
}

/** What restoring a snapshot needs of the backend. */
export interface RestoreHost {
  mem: MemStore;
  /** takes the circles' links, the pull cursors and the ids the relay already holds */
  relay: RelayClient;
  peer: PeerCtx;
  /** load the v1 code: before a legacy circle enters the store, and for the pre-v2 path */
  legacy(): Promise<Legacy>;
}

/** Circles, cursors and history back into the store; `migrated`: the identity from before v2 was just replaced. */
export async function restore(h: RestoreHost, snap: Snapshot, migrated: boolean): Promise<void> {
  const { mem, relay, peer } = h;
  for (const c of snap.circles) {
    mem.addCircle({
      circleId: c.circleId,
      secretHex: c.secretHex,
      name: c.name,
      owned: c.owned,
      bootstrap: "",
      mode: c.mode === "v2" ? "v2" : "v1",
      keyEpoch: c.keyEpoch ?? 0,
      joinedAt: c.joinedAt,
    });
    if (c.ownerKey) mem.setCircleOwner(c.circleId, c.ownerKey);
    relay.link(c.circleId);
    if (c.mode !== "v2") await h.legacy();
  }
  relay.cursors = snap.cursors;
  const msgs = snap.messages.filter((m) => relay.links.has(m.circleId)).sort((a, b) => a.seq - b.seq);
  if (snap.state) {
    // the derived tables were saved with the messages: read back, nothing to re-apply
    mem.restore(snap.state);
    for (const m of msgs) {
      const { pushed, v2, ...row } = m;
      mem.loadRow(row, v2);
      if (pushed) relay.markPushed([m.msgId]);
    }
    // in IndexedDB in full: a long history is kept compact (a chunk; a fill loads it too)
    if (msgs.length > 1000) (await import("./mem-cold.ts")).compactSaved(mem, relay.pushed);
  } else if (msgs.length)
    // saved before v2 (v1 messages only): rebuilt by applying them again
    relay.markPushed((await h.legacy()).replayPreV2History(peer, msgs));
  const me = peer.me();
  const now = peer.now();
  mem.setDisplayName(me.nodeId, me.displayName, now);
  mem.pruneInvites(now - 86400);
  for (const c of mem.listCircles()) ensureGeneral(mem, c.circleId, c.joinedAt);
  if (migrated) (await h.legacy()).adoptPreV2Circles(peer);
}

/** Writes to persistence, one commit after another, in the order the store changed. */
export interface Journal {
  /** write what changed (messages, derived state, circles) in one transaction */
  flush(): Promise<void>;
  /** write these message rows again (their pushed flag), behind any commit still queued */
  rewrite(msgIds: string[]): Promise<void>;
}

/** The journal of a store; `pushed` tells whether the relay holds one of our messages. */
export function journal(mem: MemStore, persist: Persistence, pushed: (msgId: string) => boolean): Journal {
  let writes: Promise<void> = Promise.resolve();
  // (once a commit is done, its rows are in IndexedDB in full: the store may compact them, mem-cold.ts)
  const write = (c: Commit) =>
    (writes = writes
      .catch(() => {})
      .then(() => persist.commit(c))
      .then(() => mem.compact?.(c.messages)));
  const records = (ids: string[]) =>
    ids
      .map((id): MessageRecord | null => {
        const m = mem.getMessage(id);
        return m ? { ...m, pushed: pushed(id), v2: mem.v2Cols(id) } : null;
      })
      .filter((r): r is MessageRecord => !!r);
  return {
    flush() {
      const ch = mem.takeChanges();
      if (!ch.msgIds.length && !ch.state && !ch.circles) return writes;
      return write({
        messages: records(ch.msgIds),
        state: ch.state ? mem.dump() : undefined,
        circles: ch.circles
          ? mem.listCircles().map((c) => ({
              circleId: c.circleId,
              secretHex: c.secretHex,
              name: c.name,
              owned: c.owned,
              joinedAt: c.joinedAt,
              mode: c.mode,
              keyEpoch: c.keyEpoch,
              ownerKey: mem.getCircleOwner(c.circleId),
            }))
          : undefined,
      });
    },
    rewrite: (ids) => write({ messages: records(ids) }),
  };
}
