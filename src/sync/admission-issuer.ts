// The owner's side of felund2 admission through a relay (relay-admission.ts): one
// V2Exchange.server per (sender, session) found in this node's /v1/signal, answered to the sender.
import { parseJsonFrame } from "../protocol/frames.ts";
import { circleHint } from "../protocol/ids.ts";
import * as L from "../protocol/limits.ts";
import { parseOffer } from "../protocol/v2/handshake.ts";
import { signalProof } from "../protocol/v2/signal-proof.ts";
import { ADMISSION_PREFIX, ADMISSION_SIGNAL } from "./admission-signal.ts";
import { admissionPost, isSignalRow, shapedAs, type SignalIo, type SignalPost } from "./admission-wire.ts";
import { TentativeExchange, type Verified } from "./tentative-exchange.ts";
import { V2Exchange, type V2Deps } from "./v2-exchange.ts";
import { routeInbound } from "./v2-route.ts";

/** circle_hint of an answer before the session knows its circle. */
const HINT_NONE = "felund-admission";

/** First line of an admission session: a HELLO with a v2 offer that names an invite. */
function isJoinHello(line: string): boolean {
  try {
    const f = parseJsonFrame(line);
    return f.t === "HELLO" && !!parseOffer(f.v2)?.join;
  } catch {
    return false;
  }
}

interface IssuerSession {
  tx: TentativeExchange;
  from: string;
  sessionId: string;
  startedMs: number;
  lines: number;
  seen: Set<string>;
}

/** The issuer takes a line after the HELLO only if it completes the handshake (a V2_AUTH that checks). */
const authVerified: Verified = (before, after) => !before.result.established && after.result.established;

export interface AdmissionOutcome {
  sessionId: string;
  from: string;
  circleId: string;
  peerNodeId: string;
  admitted: boolean;
  reason: string;
}

export class AdmissionIssuer {
  private sessions = new Map<string, IssuerSession>();
  /** finished or refused sessions (sender|session -> forget after), so late lines start nothing */
  private closed = new Map<string, number>();
  /** highest signal id read */
  cursor = 0;

  constructor(
    readonly nodeId: string,
    private deps: () => V2Deps,
  ) {}

  get active(): number {
    return this.sessions.size;
  }

  /** A page of signals addressed to this node (ascending ids): what to post back, in order, and the sessions that ended. */
  receive(
    rows: unknown[],
    nowMs: number,
    serverTimeS?: number,
  ): { posts: SignalPost[]; ended: AdmissionOutcome[]; more: boolean } {
    this.expire(nowMs);
    const posts: SignalPost[] = [];
    const ended: AdmissionOutcome[] = [];
    let started = 0;
    let trials = 0;
    for (const s of rows) {
      if (!isSignalRow(s)) continue;
      // tries are bounded per poll: the rest is read again from here next time
      if (trials >= L.V2_RELAY_ADMISSION_TRIALS_PER_POLL) return { posts, ended, more: true };
      if (s.id > this.cursor) this.cursor = s.id;
      if (s.type !== ADMISSION_SIGNAL || !s.session_id.startsWith(ADMISSION_PREFIX)) continue;
      const key = `${s.from_node}|${s.session_id}`;
      if (this.closed.has(key)) continue;
      let ss = this.sessions.get(key);
      if (!ss) {
        // a new session: bounded, fresh, and it must open with a join HELLO
        if (started >= L.V2_RELAY_ADMISSION_NEW_PER_POLL || this.sessions.size >= L.V2_RELAY_ADMISSION_SESSIONS_MAX)
          continue;
        const stale = serverTimeS !== undefined && s.created_at < serverTimeS - L.V2_RELAY_ADMISSION_S;
        const deps = this.deps();
        if (stale || !isJoinHello(s.payload) || routeInbound(s.payload, deps.store).engine !== "v2") {
          this.closed.set(key, nowMs + 2 * L.V2_RELAY_ADMISSION_S * 1000);
          continue;
        }
        ss = {
          tx: new TentativeExchange((rng) => V2Exchange.server({ ...deps, rng }, ""), deps.rng, false),
          from: s.from_node,
          sessionId: s.session_id,
          startedMs: nowMs,
          lines: 0,
          seen: new Set(),
        };
        this.sessions.set(key, ss);
        started++;
      }
      if (ss.seen.has(s.payload)) continue; // the same line again (a retried POST)
      ss.seen.add(s.payload);
      // the HELLO opened the session; any later line counts only if it verifies
      let step: ReturnType<typeof ss.tx.offer>;
      if (ss.lines === 0) step = ss.tx.receiveFirst(s.payload);
      else {
        if (!shapedAs(s.payload, "V2_AUTH")) continue;
        trials++;
        step = ss.tx.offer(s.payload, authVerified);
      }
      if (!step) continue;
      if (++ss.lines > L.V2_RELAY_ADMISSION_LINES_MAX) {
        ss.tx.abort("too many lines");
        ended.push(this.end(key, ss, nowMs, "too many lines"));
        continue;
      }
      const ex = ss.tx.exchange;
      const hint = ex.result.circleId ? circleHint(ex.result.circleId) : HINT_NONE;
      for (const line of step.send) posts.push(this.post(ss.sessionId, ss.from, hint, line, nowMs));
      if (ex.done) ended.push(this.end(key, ss, nowMs, step.close?.reason ?? ex.abortReason));
    }
    return { posts, ended, more: false };
  }

  /** An answer under this node's id, with the proof that it is this node's (the relay's own budget for it). */
  private post(sessionId: string, to: string, hint: string, line: string, nowMs: number): SignalPost {
    const p = admissionPost(sessionId, this.nodeId, to, hint, line);
    const keys = this.deps().self.keys;
    if (keys.nodeId === this.nodeId) p.node_proof = signalProof(p, keys, Math.floor(nowMs / 1000));
    return p;
  }

  private end(key: string, ss: IssuerSession, nowMs: number, reason: string): AdmissionOutcome {
    this.sessions.delete(key);
    this.closed.set(key, nowMs + 2 * L.V2_RELAY_ADMISSION_S * 1000);
    const r = ss.tx.exchange.result;
    return {
      sessionId: ss.sessionId,
      from: ss.from,
      circleId: r.circleId,
      peerNodeId: r.peerNodeId,
      admitted: reason === "admitted",
      reason,
    };
  }

  /** Drop sessions older than V2_RELAY_ADMISSION_S and forget old closed ones. */
  expire(nowMs: number): void {
    for (const [k, ss] of this.sessions) {
      if (nowMs - ss.startedMs > L.V2_RELAY_ADMISSION_S * 1000) {
        ss.tx.abort("timed out");
        this.sessions.delete(k);
        this.closed.set(k, nowMs + L.V2_RELAY_ADMISSION_S * 1000);
      }
    }
    for (const [k, until] of this.closed) if (until < nowMs) this.closed.delete(k);
  }
}

/** One issuer poll: read the pages addressed to this node, answer, report the sessions that ended. */
export async function pollAdmissions(
  io: SignalIo,
  issuer: AdmissionIssuer,
  onError: (e: unknown) => void = () => {},
): Promise<AdmissionOutcome[]> {
  const ended: AdmissionOutcome[] = [];
  for (let page = 0; page < L.V2_RELAY_ADMISSION_PAGES_MAX; page++) {
    const r = await io.list({ toNodeId: issuer.nodeId, sinceId: issuer.cursor });
    const out = issuer.receive(r.signals, io.nowMs(), r.serverTime);
    for (const p of out.posts) {
      try {
        await io.post(p);
      } catch (e) {
        onError(e);
      }
    }
    ended.push(...out.ended);
    if (out.more || r.signals.length < L.RELAY_SIGNAL_PAGE_MAX) break;
  }
  return ended;
}
