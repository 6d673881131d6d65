// The live v2 sessions of each circle: a session is registered once its handshake makes it
// live (inbound or outbound), carries what it stores and the call signals it brings to the
// node, takes the fan-out's pushes and this node's call signals, resyncs on heal rounds, and
// is closed when its circle is left or the node stops.
import type { SessionPort } from "../peer/fan-out.ts";
import type { SignalFrame } from "../protocol/v2/frames.ts";
import type { V2Exchange, V2Step } from "../sync/v2-exchange.ts";
import type { BlobArrival } from "../sync/v2-blobs.ts";
import type { LineConn } from "./line-conn.ts";
import { failedDial, logRejected } from "./outcomes.ts";
import type { ShellPorts } from "./shell-ports.ts";

export interface Session {
  conn: LineConn;
  ex: V2Exchange;
  addr: string;
}

export interface SessionHost extends ShellPorts {
  /** a call signal that arrived on a session of the circle, from `via` (calls.ts) */
  signalArrived(circleId: string, via: string, f: SignalFrame): void;
  syncSoon(circleId: string): void;
  /** attachment chunks that arrived on a session of the circle, from `peer` (attachments.ts) */
  blobsArrived?(circleId: string, peer: string, arrivals: readonly BlobArrival[]): void;
  /** `peer` (as its session authenticated it) types in these channels (src/peer/typing.ts) */
  typingArrived?(circleId: string, peer: string, channels: readonly string[]): void;
}

export class LiveSessions {
  private byCircle = new Map<string, Set<Session>>();

  constructor(private host: SessionHost) {}

  /** The sessions of a circle, as they are (tests reach them through the node's `sessions`). */
  get(circleId: string): ReadonlySet<Session> | undefined {
    return this.byCircle.get(circleId);
  }

  /** Every step of a v2 session: register it once live, announce and pass on what it stored. */
  step(conn: LineConn, ex: V2Exchange | null, step: V2Step, addr: string): void {
    if (!ex) return;
    const circleId = ex.result.circleId;
    if (ex.live && circleId && !conn.isClosed) {
      let set = this.byCircle.get(circleId);
      if (!set) this.byCircle.set(circleId, (set = new Set()));
      if (![...set].some((x) => x.conn === conn)) {
        set.add({ conn, ex, addr });
        this.host.emit({ t: "peers", circleId });
      }
    }
    for (const f of step.signals ?? []) this.host.signalArrived(circleId, ex.result.peerNodeId, f);
    // a legacy circle's original peer answered v1: what that exchange stored is fanned out when it ends (outcomes.ts)
    if (ex.result.proto !== "v2") return;
    this.host.stored(step.stored ?? [], { path: "session", session: conn, peer: ex.result.peerNodeId });
    if (step.held?.length) this.host.held(step.held, ex.result.peerNodeId);
    if (step.blobs?.length) this.host.blobsArrived?.(circleId, ex.result.peerNodeId, step.blobs);
    if (step.fill) this.host.fills?.update(step.fill);
    if (step.typing?.length) this.host.typingArrived?.(circleId, ex.result.peerNodeId, step.typing);
  }

  /** Ask `peer` for attachment chunks on its live session of the circle; false when there is none. */
  wantBlobs(circleId: string, peer: string, ids: readonly string[]): boolean {
    for (const x of this.byCircle.get(circleId) ?? []) {
      if (x.conn.isClosed || x.ex.result.peerNodeId !== peer) continue;
      x.conn.apply(x.ex.wantBlobs(ids));
      return true;
    }
    return false;
  }

  /** A v2 session (or its attempt) ended. */
  ended(conn: LineConn, ex: V2Exchange, addr: string, outbound: boolean, reason: string): void {
    const h = this.host;
    const circleId = ex.result.circleId;
    const set = this.byCircle.get(circleId);
    if (set) for (const s of set) if (s.conn === conn) set.delete(s);
    if (ex.result.fill && !ex.result.fill.done) h.fills?.stopped(circleId);
    logRejected((l) => h.log(l), addr, ex.result.rejected);
    if (!ex.result.established && outbound) failedDial(h.store, circleId, addr, h.now());
    if (circleId) h.emit({ t: "peers", circleId });
    h.log(`${outbound ? "to" : "from"} ${addr}: v2 session ${ex.result.established ? "ended" : "failed"} (${reason})`);
    // a rekey ends sessions that run under the old epoch: reconnect under the new one
    if (outbound && !h.stopped() && /rekeyed/.test(reason)) h.syncSoon(circleId);
  }

  /** Send a call signal on the live v2 session with `to` (null: on every live session of the circle, to be passed on). */
  signal(circleId: string, to: string | null, f: Omit<SignalFrame, "t">): boolean {
    let sent = false;
    for (const x of this.byCircle.get(circleId) ?? []) {
      if (x.conn.isClosed || (to !== null && x.ex.result.peerNodeId !== to)) continue;
      x.conn.apply(x.ex.signal(f));
      sent = true;
      if (to !== null) break;
    }
    return sent;
  }

  /** Tell every live session of the circle that this node's user types in a channel (§22). */
  typing(circleId: string, channelId: string): void {
    for (const x of this.byCircle.get(circleId) ?? []) if (!x.conn.isClosed) x.conn.apply(x.ex.typing(channelId));
  }

  /** Peers of a circle with a live v2 session now. */
  peers(circleId: string): string[] {
    return [...(this.byCircle.get(circleId) ?? [])].filter((s) => !s.conn.isClosed).map((s) => s.ex.result.peerNodeId);
  }

  /** The fan-out's way onto the circle's open sessions. */
  ports(circleId: string): SessionPort[] {
    const out: SessionPort[] = [];
    for (const s of this.byCircle.get(circleId) ?? [])
      if (!s.conn.isClosed) out.push({ handle: s.conn, push: (ms) => s.conn.apply(s.ex.push(ms)) });
    return out;
  }

  /** A heal round: each open session of the circle reconciles its whole history again. */
  resync(circleId: string): void {
    for (const x of this.byCircle.get(circleId) ?? []) if (!x.conn.isClosed) x.conn.apply(x.ex.resync());
  }

  /** Close the sessions of one circle (left), or of every circle (the node stops). */
  close(circleId: string | null, reason: string): void {
    const sets = circleId === null ? [...this.byCircle.values()] : [this.byCircle.get(circleId) ?? []];
    for (const set of sets) for (const x of set) x.conn.shutdown(x.ex.close(reason));
    if (circleId === null) this.byCircle.clear();
    else this.byCircle.delete(circleId);
  }
}
