// Peers on both stores for the social features' tests (timeline, pins): the node's SQLite store
// and the browser's in-memory one, exchanging rows as they would arrive (signed wires by the v2
// path, MAC'd ones by v1). The same shape as tests/peer/actions.test.ts.
import { openMemoryDb } from "../../db/client.ts";
import { NodeStore } from "../../db/node-store.ts";
import { fromBase64, fromHex } from "../../src/protocol/bytes.ts";
import { FelundError } from "../../src/protocol/errors.ts";
import { nodeKeysFromSeed } from "../../src/protocol/v2/keys.ts";
import * as act from "../../src/peer/actions.ts";
import { type PeerCtx, v2Ctx } from "../../src/peer/ctx.ts";
import { postV1 } from "../../src/peer/post-v1.ts";
import { CallRegistry } from "../../src/sync/call-registry.ts";
import { storeVerified } from "../../src/sync/merge.ts";
import type { SyncStoreV2 } from "../../src/sync/store.ts";
import { acceptSigned } from "../../src/sync/v2-apply.ts";
import { MemStore } from "../../ui/web/src/relay/mem-store.ts";
import "../../ui/web/src/relay/mem-refs.ts"; // MemStore's refsTo and eraseMessage (the browser loads them with the ref rules, which another test file may have installed)
import "../../ui/web/src/relay/mem-control.ts"; // MemStore's writes of control events, invites and admissions (the browser loads them with their code)
import { NOW, seededRng } from "../sync/helpers.ts";

export type Kind = "sqlite" | "mem";
const STORES: Record<Kind, () => SyncStoreV2> = {
  sqlite: () => new NodeStore(openMemoryDb()),
  mem: () => new MemStore(),
};
export const otherKind = (k: Kind): Kind => (k === "sqlite" ? "mem" : "sqlite");

export const clock = { now: NOW };
let seeds = 100;

export function makePeer(kind: Kind, name: string): PeerCtx {
  const seed = ++seeds;
  const keys = nodeKeysFromSeed(seededRng(seed)(32));
  const me = { nodeId: keys.nodeId, displayName: name };
  const ctx: PeerCtx = {
    store: STORES[kind](),
    calls: new CallRegistry(),
    now: () => clock.now,
    rng: seededRng(seed * 31 + 7),
    v2: true,
    keys: () => keys,
    me: () => me,
    invitePeer: () => `127.0.0.1:${9000 + seed}`,
    peerIds: () => [],
    postV1: (c, ch, text) => postV1(ctx, c, ch, text),
  };
  return ctx;
}

const rowsOf = (p: PeerCtx, circleId: string) =>
  p.store
    .getMessages(circleId, [
      ...new Set([
        ...p.store.offerIds(circleId, {}),
        ...p.store.v2Items(circleId, { maxEpoch: 1e9, legacy: true }).map((i) => i.msgId),
      ]),
    ])
    .sort((a, b) => a.seq - b.seq);

/** Hand `to` every row of the circle `from` holds and it lacks; what `to` refused. */
export function deliver(from: PeerCtx, to: PeerCtx, circleId: string): string[] {
  const refused: string[] = [];
  for (const row of rowsOf(from, circleId)) {
    if (to.store.hasMessage(row.msgId)) continue;
    const circle = to.store.getCircle(circleId)!;
    const wire = from.store.getV2Wire(row.msgId);
    if (wire) {
      const v = acceptSigned(v2Ctx(to), circle, fromBase64(wire), "v2");
      if (!v.ok) refused.push(v.reason);
    } else {
      const { seq: _s, sortTs: _t, origin: _o, receivedAt: _r, signed: _g, ...m } = row;
      storeVerified(to.store, to.calls, m, "v1", to.now());
    }
  }
  return refused;
}

export const exchange = (a: PeerCtx, b: PeerCtx, circleId: string) => {
  deliver(a, b, circleId);
  deliver(b, a, circleId);
  deliver(a, b, circleId);
  clock.now++;
};

export function refusal(fn: () => unknown): FelundError {
  try {
    fn();
  } catch (e) {
    if (e instanceof FelundError) return e;
    throw e;
  }
  throw new Error("expected a FelundError");
}

/** A member of a circle: felund1 code for a legacy circle, a felund2 admission for a v2-only one. */
export function enter(owner: PeerCtx, member: PeerCtx, circleId: string, legacy: boolean) {
  if (legacy) act.joinCircle(member, { code: act.inviteCode(owner, circleId).code });
  else {
    const c = owner.store.getCircle(circleId)!;
    act.enterAdmitted(
      member,
      {
        secret: fromHex(c.secretHex),
        v2Only: c.mode === "v2",
        epoch: c.keyEpoch,
        epochKey: new Uint8Array(32),
        ownerKey: owner.keys().edPublic,
        name: c.name,
      },
      circleId,
    );
  }
  exchange(owner, member, circleId);
  exchange(owner, member, circleId);
}
