// A TCP connection carrying one protocol engine (a v1 exchange, a v2 session, or the inbound
// router that picks one): splits "\n"-terminated lines (bounded length), buffers writes under
// back-pressure, enforces the per-frame and per-exchange timeouts until the engine says it is
// a live long-lived session, and closes the connection on the engine's verdict. Malformed
// input ends this connection only; an exception from our own code is rethrown (loud).
import type { Socket } from "bun";
import { EXCHANGE_DEADLINE_MS, INCOMING_LINE_MAX, READ_TIMEOUT_MS } from "../protocol/limits.ts";
import type { Step } from "../sync/v1-exchange.ts";

/** What LineConn drives: V1Exchange, V2Exchange and InboundRouter all fit. */
export interface Engine {
  readonly role: "client" | "server";
  readonly done: boolean;
  /** an established long-lived session: no read timeout or deadline any more */
  readonly live?: boolean;
  start(): Step;
  receive(line: string): Step;
  abort(reason: string): void;
}

export interface ConnData { conn?: LineConn }

/** Per-connection timeouts; the defaults are the production values of limits.ts (tests shorten them). */
export interface ConnTimeouts { readMs: number; exchangeMs: number }
export const DEFAULT_TIMEOUTS: ConnTimeouts = { readMs: READ_TIMEOUT_MS, exchangeMs: EXCHANGE_DEADLINE_MS };

export class LineConn {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private out: Uint8Array[] = [];
  private closed = false;
  private wentLive = false;
  private readTimer: ReturnType<typeof setTimeout> | undefined;
  private deadline: ReturnType<typeof setTimeout>;
  private decoder = new TextDecoder();
  private resolveDone!: (reason: string) => void;
  readonly finished: Promise<string>;

  constructor(private socket: Socket<ConnData>, readonly exchange: Engine, private log: (s: string) => void,
    private timeouts: ConnTimeouts = DEFAULT_TIMEOUTS, private onStep?: (step: Step) => void) {
    this.finished = new Promise((r) => (this.resolveDone = r));
    this.deadline = setTimeout(() => this.fail("exchange deadline exceeded"), timeouts.exchangeMs);
    this.armRead();
  }

  begin(): void {
    this.apply(this.exchange.start());
  }

  onData(chunk: Uint8Array): void {
    if (this.closed) return;
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl < 0) break;
      const piece = chunk.subarray(start, nl);
      let line: string;
      if (this.chunks.length) {
        this.chunks.push(piece);
        const all = new Uint8Array(this.buffered + piece.length);
        let o = 0;
        for (const c of this.chunks) { all.set(c, o); o += c.length; }
        this.chunks = [];
        this.buffered = 0;
        line = this.decoder.decode(all);
      } else line = this.decoder.decode(piece);
      start = nl + 1;
      if (line.length + 1 > INCOMING_LINE_MAX) return this.fail("line too long");
      this.armRead();
      if (line.trim() === "") continue;
      this.apply(this.exchange.receive(line.endsWith("\r") ? line.slice(0, -1) : line));
      if (this.closed) return;
    }
    if (start < chunk.length) {
      const rest = chunk.slice(start);
      this.buffered += rest.length;
      if (this.buffered > INCOMING_LINE_MAX) return this.fail("line too long");
      this.chunks.push(rest);
    }
  }

  onDrain(): void {
    this.flush();
  }

  onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.clearTimers();
    if (!this.exchange.done) this.exchange.abort("peer closed");
    this.resolveDone(this.exchange.done ? "done" : "peer closed");
  }

  /** Close politely from our side (shutdown, circle left): the engine's closing lines, then FIN. */
  shutdown(step: Step): void {
    this.apply(step);
    this.close("shutdown");
  }

  get isClosed(): boolean {
    return this.closed;
  }

  fail(reason: string): void {
    if (this.closed) return;
    this.log(`connection ${this.exchange.role}: ${reason}`);
    this.exchange.abort(reason);
    this.close(reason);
  }

  /** Write what a step says (also used by the node to push into a live session). */
  apply(step: Step): void {
    if (this.closed) return;
    for (const l of step.send) this.write(l + "\n");
    this.onStep?.(step);
    if (this.exchange.live && !step.close && !this.wentLive) {
      this.wentLive = true;
      this.clearTimers();
      // an idle long-lived session: let TCP notice a dead peer
      (this.socket as unknown as { setKeepAlive?: (on: boolean, delayS: number) => void }).setKeepAlive?.(true, 30);
    }
    if (step.close) {
      if (step.close.error) this.log(`connection ${this.exchange.role} closed: ${step.close.reason}`);
      this.close(step.close.reason);
    }
  }

  private write(s: string): void {
    const bytes = Buffer.from(s, "utf8");
    if (this.out.length) {
      this.out.push(bytes);
      return;
    }
    const n = this.socket.write(bytes);
    if (n < bytes.length) this.out.push(bytes.subarray(Math.max(0, n)));
  }

  private flush(): void {
    while (this.out.length) {
      const b = this.out[0]!;
      const n = this.socket.write(b);
      if (n < b.length) {
        this.out[0] = b.subarray(Math.max(0, n));
        return;
      }
      this.out.shift();
    }
    if (this.closed) this.socket.end();
  }

  private close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.clearTimers();
    if (!this.out.length) this.socket.end();
    this.resolveDone(reason);
  }

  private armRead(): void {
    if (this.exchange.live) return;
    if (this.readTimer) clearTimeout(this.readTimer);
    this.readTimer = setTimeout(() => this.fail("read timeout"), this.timeouts.readMs);
  }

  private clearTimers(): void {
    if (this.readTimer) clearTimeout(this.readTimer);
    clearTimeout(this.deadline);
  }
}
