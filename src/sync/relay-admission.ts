// felund2 admission through a relay (docs/PROTOCOL.md §10.1): the lines of a join handshake
// (V2Exchange.joiner / V2Exchange.server, unchanged) carried by the relay's /v1/signal
// instead of a TCP connection, so an owner without a reachable address (a relay-only
// browser, a node behind NAT) can still admit members, with the same expiry and use limit.
//
//   signal  = {session_id: "adm:" + 32 hex, from_node_id, to_node_id, circle_hint, type: "felund-v2", payload: one line}
//   joiner  : from = a throwaway 24-hex id, to = node_id of the code's owner key; posts HELLO, then V2_AUTH
//   issuer  : polls its own node_id, runs one V2Exchange.server per (sender, session), answers to the sender
//
// Lines of one session are read in the relay's id order; a line seen twice (a retried POST)
// is dropped. Anyone who reads /v1/signal can post into a session under either side's id, so
// after a session's first line each side takes a line only if it verifies (it completes the
// handshake or opens under the session keys; tentative-exchange.ts): junk is dropped and the
// exchange goes on as if it had not come. An unverified plaintext ERROR is remembered, and
// ends a join only if nothing verified follows within V2_RELAY_ADMISSION_ERROR_GRACE_MS (a real
// "unknown invite" still ends the join, a forged one cannot).
// Everything is bounded (limits.ts V2_RELAY_ADMISSION_*). The classes here are
// pure; `joinViaRelay` and `pollAdmissions` drive them over an injected SignalIo, which the
// shells (src/node/relay-client.ts, ui/web/src/relay) implement with fetch.
import { toHex } from "../protocol/bytes.ts";
import { ADMISSION_PREFIX, ADMISSION_SIGNAL } from "./admission-signal.ts";
import { parseJsonFrame } from "../protocol/frames.ts";
import { circleHint } from "../protocol/ids.ts";
import * as L from "../protocol/limits.ts";
import { accept, reject, type Verdict } from "../protocol/verdict.ts";
import type { Admit } from "../protocol/v2/frames.ts";
import { parseOffer } from "../protocol/v2/handshake.ts";
import type { Invite2 } from "../protocol/v2/invite.ts";
import { bytesEqual, nodeIdOf } from "../protocol/v2/keys.ts";
import { circleIdFromSecret } from "../protocol/ids.ts";
import { V2Exchange, type V2Deps } from "./v2-exchange.ts";
import { routeInbound } from "./v2-route.ts";
import { TentativeExchange, type Verified } from "./tentative-exchange.ts";
import { signalProof } from "../protocol/v2/signal-proof.ts";

export { ADMISSION_PREFIX, ADMISSION_SIGNAL };

/** A row of GET /v1/signal. */
export interface SignalRow {
  id: number;
  session_id: string;
  from_node: string;
  type: string;
  payload: string;
  created_at: number;
}
/** The body of POST /v1/signal. */
export interface SignalPost {
  session_id: string;
  from_node_id: string;
  to_node_id: string;
  circle_hint: string;
  type: string;
  payload: string;
  ttl_s: number;
  /** proof that the sender owns from_node_id (docs/PROTOCOL.md §10.2); joiners post anonymously, without one */
  node_proof?: string;
}

export interface SignalIo {
  post(s: SignalPost): Promise<void>;
  list(q: {
    toNodeId: string;
    sinceId: number;
    sessionId?: string;
  }): Promise<{ signals: SignalRow[]; serverTime?: number }>;
  sleep(ms: number): Promise<void>;
  nowMs(): number;
}

const HINT_NONE = "felund-admission";
const isRow = (s: unknown): s is SignalRow => {
  const r = s as SignalRow | null;
  return (
    !!r &&
    typeof r === "object" &&
    Number.isSafeInteger(r.id) &&
    typeof r.session_id === "string" &&
    typeof r.from_node === "string" &&
    typeof r.type === "string" &&
    typeof r.payload === "string" &&
    typeof r.created_at === "number"
  );
};

/** First line of an admission session: a HELLO with a v2 offer that names an invite. */
function isJoinHello(line: string): boolean {
  try {
    const f = parseJsonFrame(line);
    return f.t === "HELLO" && !!parseOffer(f.v2)?.join;
  } catch {
    return false;
  }
}

// ---- issuer (the owner's side) ----

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

/**
 * Cheap shape check before a line is tried (a try replays the handshake, ~ms): the issuer
 * expects a V2_AUTH, the joiner a V2_HS and then sealed frames (base64, not JSON).
 */
function shapedAs(line: string, kind: "V2_AUTH" | "V2_HS" | "sealed"): boolean {
  if (kind === "sealed") return line.length > 0 && line.length <= L.V2_LINE_MAX && /^[A-Za-z0-9+/=_-]+$/.test(line);
  try {
    const f = parseJsonFrame(line);
    return f.t === kind && typeof f.box === "string";
  } catch {
    return false;
  }
}

/** Plaintext ERROR text of a line, or null (ERROR lines are unauthenticated). */
function errorText(line: string): string | null {
  try {
    const f = parseJsonFrame(line);
    return f.t === "ERROR" ? String(f.err ?? "").slice(0, 200) : null;
  } catch {
    return null;
  }
}

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
      if (!isRow(s)) continue;
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
    const p = post(sessionId, this.nodeId, to, hint, line);
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

const post = (sessionId: string, from: string, to: string, hint: string, payload: string): SignalPost => ({
  session_id: sessionId,
  from_node_id: from,
  to_node_id: to,
  circle_hint: hint,
  type: ADMISSION_SIGNAL,
  payload,
  ttl_s: L.RELAY_SIGNAL_TTL_MAX_S,
});

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

// ---- joiner ----

/**
 * The joiner takes the issuer's V2_HS only if it completes the handshake, and a session frame
 * only if it opens under the session keys: an ADMIT, or the issuer's sealed refusal.
 */
const joinerVerified: Verified = (before, after) => {
  if (!before.result.established) return after.result.established;
  return !!after.result.admitted || after.abortReason.startsWith("issuer refused: ");
};

export class AdmissionJoiner {
  readonly sessionId: string;
  /** a throwaway address for the answers: the relay never learns the joiner's node id */
  readonly replyId: string;
  readonly ownerId: string;
  private tx: TentativeExchange;
  private seen = new Set<string>();
  private lines = 0;
  private error = "";
  /** the last unverified ERROR line (it ends the join only if nothing verified follows in time) */
  unverifiedError = "";
  cursor = 0;

  constructor(
    deps: V2Deps,
    private inv: Invite2,
  ) {
    this.sessionId = ADMISSION_PREFIX + toHex(deps.rng(16));
    this.replyId = toHex(deps.rng(12));
    this.ownerId = nodeIdOf(inv.ownerKey);
    const ticket = { inviteId: inv.inviteId, ticket: inv.ticket, circleId: inv.circleId };
    this.tx = new TentativeExchange((rng) => V2Exchange.joiner({ ...deps, rng }, ticket, ""), deps.rng, true);
  }

  private get ex(): V2Exchange {
    return this.tx.exchange;
  }

  get done(): boolean {
    return this.ex.done || !!this.error;
  }

  private misshapen = 0;
  /** lines dropped because they did not verify (or were not even shaped like the line expected) */
  get dropped(): number {
    return this.tx.dropped + this.misshapen;
  }

  start(): SignalPost[] {
    return this.posts(this.tx.start().send);
  }

  receive(rows: unknown[]): SignalPost[] {
    const out: SignalPost[] = [];
    let trials = 0;
    for (const s of rows) {
      if (!isRow(s)) continue;
      // tries are bounded per poll: the rest is read again from here next time
      if (trials >= L.V2_RELAY_ADMISSION_TRIALS_PER_POLL) break;
      if (s.id > this.cursor) this.cursor = s.id;
      if (this.done || s.session_id !== this.sessionId || s.from_node !== this.ownerId || s.type !== ADMISSION_SIGNAL)
        continue;
      if (this.seen.has(s.payload)) continue;
      this.seen.add(s.payload);
      const shaped = shapedAs(s.payload, this.ex.result.established ? "sealed" : "V2_HS");
      if (shaped) trials++;
      const step = shaped ? this.tx.offer(s.payload, joinerVerified) : null;
      if (!step) {
        if (!shaped) this.misshapen++;
        const err = errorText(s.payload);
        if (err !== null) this.unverifiedError = err;
        continue;
      }
      this.unverifiedError = "";
      if (++this.lines > L.V2_RELAY_ADMISSION_LINES_MAX) {
        this.fail("the issuer sent too many lines");
        continue;
      }
      out.push(...this.posts(step.send));
    }
    return out;
  }

  fail(reason: string): void {
    this.tx.abort(reason);
    this.error ||= reason;
  }

  /** The ADMIT, checked against the code: from the owner's key, for the circle the code names. */
  result(): Verdict<Admit> {
    const a = this.ex.result.admitted;
    if (!a) return reject(this.error || this.ex.abortReason.replace(/^issuer refused: /, "") || "not admitted");
    if (this.ex.result.peerNodeId !== this.ownerId) return reject("admitted by a node that is not the circle's owner");
    if (!bytesEqual(a.ownerKey, this.inv.ownerKey)) return reject("the ADMIT names another owner than the code");
    if (circleIdFromSecret(toHex(a.secret)) !== this.inv.circleId)
      return reject("admitted to another circle than the code names");
    return accept(a);
  }

  private posts(lines: string[]): SignalPost[] {
    return lines.map((l) => post(this.sessionId, this.replyId, this.ownerId, circleHint(this.inv.circleId), l));
  }
}

/**
 * Redeem a felund2 code through a relay: post the HELLO to the owner's node id, poll the
 * session's answers, post V2_AUTH, wait for ADMIT. At most V2_RELAY_ADMISSION_S seconds.
 */
export async function joinViaRelay(io: SignalIo, deps: V2Deps, inv: Invite2): Promise<Verdict<Admit>> {
  const j = new AdmissionJoiner(deps, inv);
  const deadline = io.nowMs() + L.V2_RELAY_ADMISSION_S * 1000;
  let errorSince = 0;
  try {
    for (const p of j.start()) await io.post(p);
  } catch (e) {
    return reject(`relay: ${(e as Error).message}`);
  }
  while (!j.done) {
    if (io.nowMs() > deadline) {
      j.fail("timeout");
      return reject("the inviter did not answer through the relay within 60 s (their node or browser must be online)");
    }
    await io.sleep(L.V2_RELAY_ADMISSION_JOIN_POLL_MS);
    let rows: unknown[];
    try {
      rows = (await io.list({ toNodeId: j.replyId, sinceId: j.cursor, sessionId: j.sessionId })).signals;
    } catch {
      continue; // the relay hiccuped: keep trying until the deadline
    }
    try {
      for (const p of j.receive(rows)) await io.post(p);
    } catch (e) {
      j.fail(`relay: ${(e as Error).message}`);
    }
    // an unverified ERROR (a real refusal before the handshake, or a forgery) ends the join only
    // if nothing verified came after it in time
    if (!j.unverifiedError) errorSince = 0;
    else if (!errorSince) errorSince = io.nowMs();
    else if (io.nowMs() - errorSince > L.V2_RELAY_ADMISSION_ERROR_GRACE_MS)
      j.fail(`peer error: ${j.unverifiedError} (unverified)`);
  }
  return j.result();
}
