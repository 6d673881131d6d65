// Call actions and call signals as pure functions over the store and the call registry
// (docs/PROTOCOL.md §15), shared by the node (src/node/calls.ts) and the relay-only browser
// (ui/web/src/calls/relay-calls.ts), which differ only in how signals travel.
import { callEventText } from "../protocol/control.ts";
import { CALL_MAX_PARTICIPANTS, CALL_MAX_VIEWERS } from "../protocol/limits.ts";
import { CONTROL_CHANNEL } from "../protocol/message.ts";
import type { Rng } from "../protocol/crypto.ts";
import { accept, reject, type Verdict } from "../protocol/verdict.ts";
import {
  SeenSignals,
  callIdOfLabel,
  openSignal,
  relaySessionLabel,
  sealSignal,
  type CallSignalType,
} from "../protocol/v2/call-signal.ts";
import { toHex } from "../protocol/bytes.ts";
import { FelundError } from "../protocol/errors.ts";
import { callView, type CallSession } from "./call-registry.ts";
import type { StoredMessage } from "./store.ts";
import { callEvent } from "./v2-admin.ts";
import { epochKey, isLegacy, type V2Ctx } from "./v2-apply.ts";

/** A participant or a viewer of the call (signals to and from it are allowed). Not in call-registry.ts: it would load with the web client's first paint. */
export const inCall = (s: CallSession, nodeId: string): boolean => s.participants.has(nodeId) || s.viewers.has(nodeId);

export type CallAction = "start" | "join" | "view" | "leave" | "end" | "revoke";
export type CallView = ReturnType<typeof callView>;

export interface ActionDeps {
  ctx: V2Ctx;
  rng: Rng;
  displayName: string;
  /** false: a v1-only peer (no signatures) */
  v2?: boolean;
  /** store an unsigned v1 control message (legacy circles: the original client's CALL_EVT) */
  postV1(circleId: string, channelId: string, text: string): StoredMessage;
}

/**
 * Start (in `channelId`), join, watch (view), leave or end a call, or (the host) revoke a viewer
 * or participant `target`: check what the user may do, then sign the event (and, in a legacy circle, also post the CALL_EVT that original clients understand;
 * felund peers believe only the signed one). Returns the rows to publish and the call after.
 */
export function callAction(
  d: ActionDeps,
  circleId: string,
  op: CallAction,
  a: { sessionId?: string; channelId: string; target?: string },
): { rows: StoredMessage[]; sessionId: string; call: CallView | null } {
  const { store, calls, self } = d.ctx;
  const circle = store.getCircle(circleId);
  if (!circle) throw new FelundError("E_UNKNOWN_CIRCLE", `unknown circle: ${circleId}`);
  const me = self.nodeId;
  let event: "create" | "join" | "view" | "leave" | "end" | "revoke" | null;
  let sessionId: string;
  let channelId = a.channelId;
  if (op === "start") {
    if (!store.getChannel(circleId, channelId))
      throw new FelundError("E_UNKNOWN_CHANNEL", `unknown channel: #${channelId}`);
    if (calls.inChannel(circleId, channelId))
      throw new FelundError("E_CONFLICT", `a call is already running in #${channelId}: /call join joins it`);
    sessionId = toHex(d.rng(16));
    event = "create";
  } else {
    const s = a.sessionId ? calls.sessions.get(a.sessionId) : calls.inChannel(circleId, channelId);
    if (!s || s.circleId !== circleId)
      throw new FelundError(
        "E_NOT_FOUND",
        a.sessionId ? "no such call (it ended?)" : `no call in #${channelId}: /call start starts one`,
      );
    sessionId = s.sessionId;
    channelId = s.channelId;
    const inIt = s.participants.has(me);
    if ((op === "join" || op === "view") && s.revoked.has(me))
      throw new FelundError("E_FORBIDDEN", "the host removed you from this call");
    if (op === "view") {
      if (!inIt && !s.viewers.has(me) && s.viewers.size >= CALL_MAX_VIEWERS)
        throw new FelundError("E_CONFLICT", `this call has its ${CALL_MAX_VIEWERS} viewers already`);
      event = inIt || s.viewers.has(me) ? null : "view";
    } else if (op === "join") {
      if (!inIt && s.participants.size >= CALL_MAX_PARTICIPANTS)
        throw new FelundError(
          "E_CONFLICT",
          `this call is full: a felund call is a mesh of at most ${CALL_MAX_PARTICIPANTS} participants`,
        );
      event = inIt ? null : "join";
    } else if (op === "leave") {
      if (!inCall(s, me)) throw new FelundError("E_CONFLICT", "you are not in this call");
      event = "leave";
    } else if (op === "revoke") {
      if (s.hostNodeId !== me) throw new FelundError("E_FORBIDDEN", "only the host of the call can revoke");
      if (!a.target || a.target === me || !inCall(s, a.target))
        throw new FelundError("E_NOT_FOUND", "no such viewer or participant in this call");
      event = "revoke";
    } else {
      if (s.hostNodeId !== me)
        throw new FelundError(
          "E_FORBIDDEN",
          "only the host who started the call can end it for everyone (/call leave leaves it)",
        );
      event = "end";
    }
  }
  const rows: StoredMessage[] = [];
  if (event) {
    if (d.v2 !== false) {
      const r = callEvent(
        d.ctx,
        circleId,
        event,
        sessionId,
        channelId,
        { displayName: d.displayName, now: d.ctx.now, rng: d.rng },
        a.target,
      );
      if (!r.ok) throw new FelundError(/host/.test(r.reason) ? "E_FORBIDDEN" : "E_REFUSED", r.reason);
      rows.push(r.value.row);
    }
    if (isLegacy(circle)) {
      const host = event === "create" ? me : (calls.sessions.get(sessionId)?.hostNodeId ?? me);
      rows.push(
        d.postV1(
          circleId,
          CONTROL_CHANNEL,
          callEventText(event, {
            sessionId,
            actor: me,
            hostNodeId: host,
            circleId,
            channelId,
            targetNodeId: a.target,
            ts: d.ctx.now,
          }),
        ),
      );
    }
  }
  const after = calls.sessions.get(sessionId);
  return { rows, sessionId, call: after ? callView(after) : null };
}

/** Seal and sign a signal to another participant of a call this node is in. */
export function sealCallSignal(
  ctx: V2Ctx,
  rng: Rng,
  circleId: string,
  sessionId: string,
  to: string,
  type: CallSignalType,
  data: string,
  nowMs: number,
): string {
  const circle = ctx.store.getCircle(circleId);
  const s = ctx.calls.sessions.get(sessionId);
  if (!circle || !s || s.circleId !== circleId) throw new FelundError("E_NOT_FOUND", "no such call (it ended?)");
  if (!inCall(s, ctx.self.nodeId)) throw new FelundError("E_CONFLICT", "join the call first");
  if (to === ctx.self.nodeId) throw new FelundError("E_BAD_INPUT", "a signal to yourself");
  if (s.revoked.has(to)) throw new FelundError("E_FORBIDDEN", "the host removed them from this call");
  const ek = epochKey(ctx.store, circle, circle.keyEpoch);
  if (!ek) throw new FelundError("E_CONFLICT", "no key for the circle's current epoch");
  try {
    return sealSignal(
      { circleId, sessionId, from: ctx.self.edPublic, to, type, tsMs: nowMs, id: rng(16), data },
      { edSecret: ctx.self.edSecret, epoch: circle.keyEpoch, epochKey: ek, nonce: rng(12) },
    );
  } catch (e) {
    throw new FelundError("E_TOO_LONG", (e as Error).message);
  }
}

export interface ArrivedSignal {
  circleId: string;
  sessionId: string;
  from: string;
  type: CallSignalType;
  data: string;
}

/**
 * Opens arriving signals and applies the checks that need state: replay (signal ids), a sender
 * removed from the circle, a call this peer does not know or is not in, and (relay rows) a
 * relay label or sender that does not match the signature.
 */
export class SignalInbox {
  private seen = new SeenSignals();

  open(
    ctx: V2Ctx,
    circleId: string,
    sessionId: string,
    payload: string,
    claimedFrom: string | null,
    nowMs: number,
  ): Verdict<ArrivedSignal> {
    const { store, calls } = ctx;
    const me = ctx.self.nodeId;
    const circle = store.getCircle(circleId);
    const s = calls.sessions.get(sessionId);
    if (!circle || !s || s.circleId !== circleId) return reject("unknown call");
    if (!inCall(s, me)) return reject("not in this call");
    const r = openSignal(payload, { circleId, sessionId, self: me, keyOf: (e) => epochKey(store, circle, e), nowMs });
    if (!r.ok) return r;
    const sig = r.value;
    if (claimedFrom !== null && claimedFrom !== sig.fromNodeId) return reject("sender does not match the signature");
    if (store.removedAt(circleId, sig.fromNodeId) !== undefined) return reject("sender was removed from the circle");
    // revoke is enforced here, not left to the revoked peer: its signals no longer count
    if (s.revoked.has(sig.fromNodeId)) return reject("sender was removed from this call");
    if (!this.seen.fresh(sig.id, nowMs)) return reject("replayed signal");
    return accept({ circleId, sessionId, from: sig.fromNodeId, type: sig.type, data: sig.data });
  }

  /** A row of GET /v1/signal addressed to this peer: media-* rows of calls it is in. */
  openRelayRow(ctx: V2Ctx, row: unknown, nowMs: number): Verdict<ArrivedSignal> {
    const r = row as { session_id?: unknown; from_node?: unknown; type?: unknown; payload?: unknown } | null;
    if (
      !r ||
      typeof r.type !== "string" ||
      !r.type.startsWith("media-") ||
      typeof r.payload !== "string" ||
      typeof r.from_node !== "string" ||
      typeof r.session_id !== "string"
    )
      return reject("not a call signal");
    const sid = callIdOfLabel(r.session_id);
    const s = sid ? ctx.calls.sessions.get(sid) : undefined;
    if (!s) return reject("unknown call");
    if (r.session_id !== relaySessionLabel(s.sessionId, r.from_node, ctx.self.nodeId))
      return reject("label does not match the call and its members");
    return this.open(ctx, s.circleId, s.sessionId, r.payload, r.from_node, nowMs);
  }
}
