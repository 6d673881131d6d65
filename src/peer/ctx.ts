// What the peer's actions need of the shell that runs them (the node over SQLite, the
// relay-only browser over its in-memory store): the store, keys, clock, randomness and who
// this peer is. The shell publishes what the actions return.
import type { Rng } from "../protocol/crypto.ts";
import type { NodeKeys } from "../protocol/v2/keys.ts";
import type { CallRegistry } from "../sync/call-registry.ts";
import type { CircleRow, StoredMessage, SyncStoreV2 } from "../sync/store.ts";
import type { V2Ctx } from "../sync/v2-apply.ts";
import { type ErrorCode, FelundError } from "../protocol/errors.ts";
import type { Verdict } from "../protocol/verdict.ts";

export interface PeerCtx {
  store: SyncStoreV2;
  calls: CallRegistry;
  /** unix seconds */
  now(): number;
  /** unix milliseconds, the same clock (what version-2 messages are dated by); default now() * 1000 */
  nowMs?(): number;
  rng: Rng;
  keys(): NodeKeys;
  /** who writes here (the display name as saved by the shell) */
  me(): { nodeId: string; displayName: string };
  /** false: a v1-only node (no signatures, no member cards, legacy circles), as the original */
  v2: boolean;
  /** the address invite codes name: a node's HOST:PORT, a browser's relay URL */
  invitePeer(): string;
  /** node ids seen in a circle apart from member cards (the node's peer table, the relay's presence) */
  peerIds(circleId: string): string[];
  /**
   * Store an unsigned, MAC'd v1 message (legacy circles: what original clients understand).
   * A port, so the v1 code stays out of the browser's first load (post-v1.ts implements it).
   */
  postV1(circleId: string, channelId: string, text: string): StoredMessage;
}

export const v2Ctx = (ctx: PeerCtx): V2Ctx => ({
  store: ctx.store,
  calls: ctx.calls,
  self: ctx.keys(),
  now: ctx.now(),
});

/** Author, clock and randomness of an event this peer signs. */
export const who = (ctx: PeerCtx) => ({
  displayName: ctx.me().displayName,
  now: ctx.now(),
  nowMs: ctx.nowMs?.(),
  rng: ctx.rng,
});

/** A circle by id or unique prefix (4+). */
export function requireCircle(ctx: PeerCtx, circleId: string): CircleRow {
  const c =
    ctx.store.getCircle(circleId) ??
    ctx.store.listCircles().find((x) => circleId.length >= 4 && x.circleId.startsWith(circleId));
  if (!c) throw new FelundError("E_UNKNOWN_CIRCLE", `unknown circle: ${circleId}`);
  return c;
}

/** The row a verdict of the v2 engine stored, or its refusal as a user error. */
export function rowOf(v: Verdict<{ row: StoredMessage }>, code: ErrorCode = "E_REFUSED"): StoredMessage {
  if (!v.ok) throw new FelundError(/owner/.test(v.reason) ? "E_OWNER_ONLY" : code, v.reason);
  return v.value.row;
}
