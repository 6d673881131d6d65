// Dialling out over TCP: one address at a time, v2 first (its HELLO carries a full v1 HELLO in
// legacy circles, so an original peer answers as v1), with a connect timeout, follow-up
// exchanges while the peer has more for us, immediate smaller retries after a v1 peer failed
// to answer, and at most MAX_PARALLEL_DIALS dials at once. A v1 exchange ends with its
// connection; a v2 session stays open (live-sessions.ts) once it reconciled.
import type { Socket } from "bun";
import { type HostPort, parseHostPort } from "../protocol/hostport.ts";
import { MAX_PARALLEL_DIALS } from "../protocol/limits.ts";
import { type ExchangeDeps, type ExchangeResult, type Step, V1Exchange } from "../sync/v1-exchange.ts";
import { type V2Deps, V2Exchange } from "../sync/v2-exchange.ts";
import { type ConnData, type ConnTimeouts, type Engine, LineConn } from "./line-conn.ts";
import type { LiveSessions } from "./live-sessions.ts";
import { exchangeEnded } from "./outcomes.ts";
import { type ShellPorts, socketError } from "./shell-ports.ts";

/** Follow-up exchanges in a row with one peer while it still has more for us (bounded). */
const MAX_FOLLOW_UPS = 2000;
/** Immediate retries with a smaller request after a v1 peer failed to answer one. */
const MAX_RETRIES = 3;

export interface DialerHost extends ShellPorts {
  /** speak v2 (false: a v1-only node, as the original) */
  readonly v2: boolean;
  deps(): ExchangeDeps;
  v2Deps(): V2Deps;
  isSelfAddr(addr: string): boolean;
  /** a dial reached this node itself: never dial that address again */
  selfDial(addr: string): void;
  readonly timeouts: ConnTimeouts;
  readonly connectMs: number;
  readonly sessions: Pick<LiveSessions, "step" | "ended">;
}

/**
 * Open a TCP connection to `hp` that runs `engine`; `conn()` is its LineConn once the socket
 * opened. Log lines and socket errors are prefixed with `addr`.
 */
export function connectLine(o: {
  addr: string;
  hp: HostPort;
  engine: Engine;
  log: (line: string) => void;
  timeouts: ConnTimeouts;
  onStep?: (conn: LineConn, step: Step) => void;
}): { connecting: Promise<Socket<ConnData>>; conn: () => LineConn | undefined } {
  let conn: LineConn | undefined;
  const connecting = Bun.connect<ConnData>({
    hostname: o.hp.host,
    port: o.hp.port,
    socket: {
      open: (sock) => {
        const onStep = o.onStep;
        const c = new LineConn(
          sock,
          o.engine,
          (l) => o.log(`${o.addr}: ${l}`),
          o.timeouts,
          onStep && ((step) => onStep(c, step)),
        );
        conn = c;
        sock.data = { conn: c };
        c.begin();
      },
      data: (sock, chunk) => sock.data?.conn?.onData(chunk),
      drain: (sock) => sock.data?.conn?.onDrain(),
      close: (sock) => sock.data?.conn?.onClose(),
      error: (_sock, err) => socketError(err, o.addr, o.log),
      connectError: () => {},
    },
  });
  return { connecting, conn: () => conn };
}

/** An ExchangeResult view of a v2 session (stored messages were already announced step by step). */
function sessionResult(ex: V2Exchange, circleId: string, completed: boolean): ExchangeResult {
  const r = ex.result;
  return {
    circleId: r.circleId || circleId,
    peerNodeId: r.peerNodeId,
    proto: "v2",
    encrypted: true,
    stored: [],
    rejected: r.rejected,
    sent: 0,
    more: false,
    peersChanged: 0,
    completed,
    selfDial: false,
  };
}

export class Dialer {
  private inflight = new Map<string, Promise<ExchangeResult | null>>();
  private again = new Set<string>();
  private active = 0;
  private waiting: (() => void)[] = [];

  constructor(private host: DialerHost) {}

  /** Run exchanges with one address until it has nothing more for us (or it fails). */
  syncWith(circleId: string, addr: string): Promise<ExchangeResult | null> {
    const key = `${circleId}@${addr}`;
    const cur = this.inflight.get(key);
    if (cur) {
      this.again.add(key);
      return cur;
    }
    const run = (async () => {
      let last: ExchangeResult | null = null;
      let retries = 0;
      for (let i = 0; i < MAX_FOLLOW_UPS && !this.host.stopped(); i++) {
        this.again.delete(key);
        last = await this.dialOnce(circleId, addr);
        // a v1 peer that could not send what we asked for: ask for less at once (bounded)
        if (last && !last.completed && last.retry && retries++ < MAX_RETRIES) continue;
        const progressed = !!last && last.completed && (last.stored.length > 0 || last.sent > 0);
        if (!(last?.completed && ((last.more && progressed) || this.again.has(key)))) break;
        retries = 0;
      }
      return last;
    })();
    this.inflight.set(key, run);
    run.finally(() => this.inflight.delete(key));
    return run;
  }

  private async slot(): Promise<() => void> {
    if (this.active >= MAX_PARALLEL_DIALS) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    return () => {
      this.active--;
      this.waiting.shift()?.();
    };
  }

  private ended(r: ExchangeResult, addr: string, detail: string): void {
    if (r.selfDial) this.host.selfDial(addr);
    exchangeEnded(this.host, r, addr, true, detail);
  }

  private async dialOnce(circleId: string, addr: string): Promise<ExchangeResult | null> {
    const h = this.host;
    const hp = parseHostPort(addr);
    if (!hp || h.isSelfAddr(addr)) return null;
    const release = await this.slot();
    // v2 first (it carries a full v1 HELLO in legacy circles, so an original peer answers as v1)
    const v2 = h.v2 ? V2Exchange.client(h.v2Deps(), circleId, addr) : null;
    const v1 = v2 ? null : V1Exchange.client(h.deps(), circleId, addr);
    const engine = (v2 ?? v1)!;
    const v1Result = () => v1?.result ?? v2?.v1Exchange?.result ?? null;
    let reconciled!: () => void;
    const firstSync = new Promise<void>((r) => (reconciled = r));
    try {
      const { connecting, conn } = connectLine({
        addr,
        hp,
        engine,
        log: (l) => h.log(l),
        timeouts: h.timeouts,
        onStep: (c, step) => {
          if (v2) h.sessions.step(c, v2, step, addr);
          if (v2?.result.reconciled) reconciled();
        },
      });
      let timeout: ReturnType<typeof setTimeout> | undefined;
      const sock = await Promise.race([
        connecting,
        new Promise<null>((r) => (timeout = setTimeout(() => r(null), h.connectMs))),
      ]).catch(() => null);
      clearTimeout(timeout);
      const c = conn();
      if (!sock || !c) {
        if (sock) sock.end();
        engine.abort("connect failed");
        const r = v1Result() ?? sessionResult(v2!, circleId, false);
        this.ended(r, addr, "connect failed");
        return r;
      }
      // a v1 exchange ends with the connection; a v2 session stays open: wait for its first reconciliation
      const reason = await Promise.race([c.finished, firstSync.then(() => "reconciled")]);
      const r1 = v1Result();
      if (r1 && (!v2 || v2.result.proto === "v1")) {
        const why = reason === "reconciled" ? await c.finished : reason;
        this.ended(r1, addr, why);
        return r1;
      }
      if (reason !== "reconciled") h.sessions.ended(c, v2!, addr, true, reason);
      else c.finished.then((why) => h.sessions.ended(c, v2!, addr, true, why));
      const r = sessionResult(v2!, circleId, v2!.result.reconciled);
      h.emit({
        t: "sync",
        circleId,
        peer: r.peerNodeId,
        addr,
        ok: r.completed,
        stored: v2!.result.stored,
        sent: 0,
        detail: r.completed ? "v2 session" : reason,
      });
      return r;
    } finally {
      release();
    }
  }
}
