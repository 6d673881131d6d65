// The calls of every circle, in memory (as in both originals): sessions fed by v1 CALL_EVT
// (self-declared fields, so only believed about original clients, control-apply.ts) and by
// signed v2 "call" events (v2-apply.ts). Besides its participants a call has receive-only
// viewers (`view`), whom only the host connects to and whom only the host can revoke.
import type { CallEvt } from "../protocol/control.ts";
import { CALL_EVENT_MAX_AGE_S, CALL_MAX_VIEWERS, CALL_SESSIONS_MAX } from "../protocol/limits.ts";

export interface CallSession {
  sessionId: string;
  circleId: string;
  channelId: string;
  hostNodeId: string;
  /** in the order they joined (the host first) */
  participants: Set<string>;
  /** receive-only, in the order they came (at most CALL_MAX_VIEWERS) */
  viewers: Set<string>;
  /** removed by the host: no view or join of theirs counts again in this call */
  revoked: Set<string>;
  state: "pending" | "active";
  createdTs: number;
  /**
   * Created by a signed v2 event: then only the host's signed END ends it, and unsigned (v1)
   * events about nodes that speak v2 are ignored, so the self-declared fields of CALL_EVT
   * (PROTOCOL-V1.md W5) cannot end it or move anyone in or out.
   */
  signed: boolean;
}

export interface CallApplyOptions {
  /** the event is a signed v2 "call" event (its actor is the signer) */
  signed?: boolean;
  /** created_ts of the carrying message: events older than CALL_EVENT_MAX_AGE_S are history */
  eventTs?: number;
  /** nodes known to speak v2 (member card, v2 peer): their unsigned events are not believed */
  isV2Node?: (nodeId: string) => boolean;
}

interface Early {
  circleId: string;
  e: CallEvt;
  o: CallApplyOptions;
  at: number;
}
const EARLY_MAX = 256;
const EARLY_TTL_S = 120;

/** who is in a call that has just begun: its host alone */
const fresh = (host: string) => ({
  hostNodeId: host,
  participants: new Set([host]),
  viewers: new Set<string>(),
  revoked: new Set<string>(),
  state: "pending" as const,
});

export class CallRegistry {
  readonly sessions = new Map<string, CallSession>();
  /** ended or emptied calls (id -> host): a late create or join does not bring them back */
  private ended = new Map<string, string>();
  /** joins and leaves that arrived before their create (reconciliation does not keep order) */
  private early: Early[] = [];
  /** circle/node pairs that signed call events */
  private signers = new Set<string>();
  /** called after every change (the node tells its front ends) */
  onChange: ((s: CallSession, op: string) => void) | null = null;

  apply(circleId: string, e: CallEvt, now: number, _circleMembers?: Set<string>, o: CallApplyOptions = {}): boolean {
    const ts = o.eventTs ?? e.createdTs ?? now;
    if (ts < now - CALL_EVENT_MAX_AGE_S) return false;
    if (o.signed && e.actorNodeId) this.signers.add(`${circleId}/${e.actorNodeId}`);
    const v2Node = (id: string) => this.signers.has(`${circleId}/${id}`) || !!o.isV2Node?.(id);
    const s = this.sessions.get(e.sessionId);
    if (s && s.circleId !== circleId) return false;
    switch (e.op) {
      case "create": {
        const host = o.signed ? e.actorNodeId : e.hostNodeId || e.actorNodeId;
        if (!host || this.ended.has(e.sessionId)) return false;
        if (s) {
          if (!o.signed || s.signed) return false;
          // the signed create of a call first seen through its unsigned v1 copy (or squatted by one)
          s.signed = true;
          if (s.hostNodeId !== host) Object.assign(s, fresh(host));
          this.changed(s, "create");
          return true;
        }
        if (!o.signed && v2Node(host)) return false; // only its signed create makes a v2 node a host
        if (this.sessions.size >= CALL_SESSIONS_MAX) this.sessions.delete(this.sessions.keys().next().value!);
        const created: CallSession = {
          sessionId: e.sessionId,
          circleId,
          channelId: e.channelId || "general",
          ...fresh(host),
          createdTs: e.createdTs ?? ts,
          signed: !!o.signed,
        };
        this.sessions.set(e.sessionId, created);
        this.changed(created, "create");
        const later = this.early.filter((x) => x.e.sessionId === e.sessionId && x.circleId === circleId);
        this.early = this.early.filter((x) => !later.includes(x));
        for (const x of later) this.apply(x.circleId, x.e, now, undefined, x.o);
        return true;
      }
      case "join":
      case "view":
      case "leave":
      case "revoke": {
        const revoke = e.op === "revoke";
        const node = revoke ? e.targetNodeId : o.signed ? e.actorNodeId : e.nodeId || e.actorNodeId;
        if (!node) return false;
        if (!s) {
          if (!this.ended.has(e.sessionId)) this.remember({ circleId, e, o, at: now });
          return false;
        }
        if (revoke) {
          // only the host: by its signature in a signed call, else by the declared actor (W5)
          if ((!o.signed && s.signed) || e.actorNodeId !== s.hostNodeId || node === s.hostNodeId || s.revoked.has(node))
            return false;
          s.revoked.add(node);
          s.viewers.delete(node);
          s.participants.delete(node);
        } else if (!o.signed && v2Node(node)) {
          // an unsigned event about a node that speaks v2 (or in a signed call) could be anyone's claim
          return false;
        } else if (e.op === "join") {
          if (s.participants.has(node) || s.revoked.has(node)) return false;
          s.viewers.delete(node); // a viewer who joins takes part from now on
          s.participants.add(node);
          if (s.participants.size > 1) s.state = "active";
        } else if (e.op === "view") {
          // no circle-membership check, as the newer original; the cap is the host's upload
          if (
            s.viewers.has(node) ||
            s.participants.has(node) ||
            s.revoked.has(node) ||
            s.viewers.size >= CALL_MAX_VIEWERS
          )
            return false;
          s.viewers.add(node);
          s.state = "active";
        } else if (!s.viewers.delete(node)) {
          if (!s.participants.delete(node)) return false;
          if (s.participants.size === 0) {
            // nobody is left in it: the call is over
            this.sessions.delete(s.sessionId);
            this.ended.set(s.sessionId, s.hostNodeId);
            this.changed(s, "end");
            return true;
          }
        }
        this.changed(s, e.op);
        return true;
      }
      case "end": {
        if (!s) {
          if (o.signed) this.endedBy(e.sessionId, e.actorNodeId);
          return false;
        }
        if (o.signed) {
          if (e.actorNodeId !== s.hostNodeId) return false;
        } else {
          if (s.signed) return false; // W5: only the host's signature ends a call created by a signed event
          if (e.actorNodeId && e.actorNodeId !== s.hostNodeId) return false;
          if (e.hostNodeId && e.hostNodeId !== s.hostNodeId) return false;
        }
        this.sessions.delete(e.sessionId);
        this.endedBy(e.sessionId, s.hostNodeId);
        this.changed(s, "end");
        return true;
      }
      default:
        return false;
    }
  }

  private endedBy(sessionId: string, host: string): void {
    if (this.ended.size >= CALL_SESSIONS_MAX * 4) this.ended.delete(this.ended.keys().next().value!);
    this.ended.set(sessionId, host);
  }

  private remember(x: Early): void {
    this.early = this.early.filter((y) => y.at >= x.at - EARLY_TTL_S).slice(-(EARLY_MAX - 1));
    this.early.push(x);
  }

  private changed(s: CallSession, op: string): void {
    this.onChange?.(s, op);
  }

  forCircle(circleId: string): CallSession[] {
    return [...this.sessions.values()].filter((s) => s.circleId === circleId);
  }

  /** the call in progress in a channel (the newest, if several were started at once) */
  inChannel(circleId: string, channelId: string): CallSession | undefined {
    return this.forCircle(circleId)
      .filter((s) => s.channelId === channelId)
      .sort((a, b) => b.createdTs - a.createdTs)[0];
  }
}

/** A plain view of a call (for the local API and the front ends). */
export const callView = (s: CallSession) => ({
  sessionId: s.sessionId,
  circleId: s.circleId,
  channelId: s.channelId,
  hostNodeId: s.hostNodeId,
  participants: [...s.participants],
  viewers: [...s.viewers],
  state: s.state,
  createdTs: s.createdTs,
  signed: s.signed,
});
