// A TCP connection carrying one protocol engine (a v1 exchange, a v2 session, or the inbound router that picks one):
// splits "\n"-terminated lines (bounded length), buffers writes under back-pressure, enforces the per-frame and per-
// exchange timeouts until the engine says it is a live long-lived session, and closes the connection on the engine's
// verdict. Malformed input ends this connection only; an exception from our own code is rethrown (loud). While the
// engine has enough frames waiting for off-thread signature checks (busy), the socket is paused and input is held until
// a later step comes (onLater).
//
// Outgoing bytes the peer has not read are bounded (issue 12, item 4): past OUT_QUEUE_PAUSE_BYTES the connection stops
// handling the peer's lines, so the node serves none of its further requests until the queue drains below half of it.
// It keeps reading them into a bounded holding buffer (OUT_HELD_MAX_BYTES) rather than stop reading the socket: two
// nodes sending each other large batches at once would otherwise both stop reading and wait for each other for good.
// Past OUT_QUEUE_MAX_BYTES (pushes to a peer that reads nothing), past the holding bound, or with no byte read by the
// peer for OUT_STALL_MS, the connection is dropped and its buffers freed. A closed connection's queue may still leave
// while the peer reads it; one that reads nothing of it for OUT_LINGER_MS is cut.
import type { Socket } from "bun";
import { INCOMING_LINE_MAX } from "../protocol/limits.ts";
import {
  type ConnTimeouts,
  DEFAULT_QUEUE_LIMITS,
  DEFAULT_TIMEOUTS,
  type Engine,
  LONG_ANSWER_GC_BYTES,
  type QueueLimits,
} from "./line-conn-types.ts";
import type { Step } from "../sync/v1-exchange.ts";

export {
  type ConnTimeouts,
  DEFAULT_QUEUE_LIMITS,
  DEFAULT_TIMEOUTS,
  type Engine,
  type QueueLimits,
} from "./line-conn-types.ts";

/** What a socket carries: its connection, and (inbound) how to give back its slot. */
export interface ConnData {
  conn?: LineConn;
  release?: () => void;
}

export class LineConn {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private out: Uint8Array[] = [];
  private queued = 0; // bytes in `out`: written by us, not yet taken by the socket
  /** handling the peer's lines is paused until the queue drains; what it sends meanwhile waits here */
  private paused = false;
  private held: Uint8Array[] = [];
  private waiting = false; // the engine is busy (frames wait for their checks): socket paused, input held
  private heldBytes = 0;
  private closed = false;
  private wentLive = false;
  private readTimer: ReturnType<typeof setTimeout> | undefined;
  private deadline: ReturnType<typeof setTimeout>;
  private stallTimer: ReturnType<typeof setTimeout> | undefined; // armed while bytes are queued: the peer must read
  private lingerTimer: ReturnType<typeof setTimeout> | undefined;
  private decoder = new TextDecoder();
  private resolveDone!: (reason: string) => void;
  readonly finished: Promise<string>;
  /** highest queue seen, and times reading paused for the engine's checks (tests and logs) */
  peakQueued = 0;
  checkPauses = 0;

  constructor(
    private socket: Socket<ConnData>,
    readonly exchange: Engine,
    private log: (s: string) => void,
    private timeouts: ConnTimeouts = DEFAULT_TIMEOUTS,
    private onStep?: (step: Step) => void,
    private queueLimits: QueueLimits = DEFAULT_QUEUE_LIMITS,
  ) {
    this.finished = new Promise((r) => (this.resolveDone = r));
    this.deadline = setTimeout(() => this.fail("exchange deadline exceeded"), timeouts.exchangeMs);
    this.armRead();
    exchange.onLater?.((step) => this.later(step));
  }

  /** A step the engine completed after receive() returned; reading resumes once it is no longer busy. */
  private later(step: Step): void {
    if (this.closed) return;
    this.apply(step);
    if (this.closed || !this.waiting || this.exchange.busy) return;
    this.waiting = false;
    this.socket.resume();
    if (!this.paused) this.unpause();
  }

  /** Bytes queued for the peer that the socket has not taken yet. */
  get queuedBytes(): number {
    return this.queued;
  }
  /** Handling the peer's lines is paused because it does not read what we send. */
  get isPaused(): boolean {
    return this.paused;
  }

  begin(): void {
    this.apply(this.exchange.start());
  }

  onData(chunk: Uint8Array): void {
    if (this.closed) return;
    if (this.paused || this.waiting) return this.hold(chunk);
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
        for (const c of this.chunks) {
          all.set(c, o);
          o += c.length;
        }
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
      // the engine has enough frames waiting for their checks: read no more until they are stored
      if (this.exchange.busy && !this.waiting) {
        this.waiting = true;
        this.checkPauses++;
        this.socket.pause();
      }
      // the peer is not reading our answers: serve nothing more until it does
      if (this.paused || this.waiting) return start < chunk.length ? this.hold(chunk.slice(start)) : undefined;
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
    if (this.closed) {
      this.dropQueue();
      return;
    }
    this.closed = true;
    this.clearTimers();
    this.dropQueue();
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
    if (this.closed) return; // the queue overflowed
    this.onStep?.(step);
    if (this.closed) return;
    if (this.exchange.live && !step.close && !this.wentLive) {
      this.wentLive = true;
      this.clearReadTimers();
      // an idle long-lived session: let TCP notice a dead peer
      (this.socket as unknown as { setKeepAlive?: (on: boolean, delayS: number) => void }).setKeepAlive?.(true, 30);
    }
    if (step.close) {
      if (step.close.error) this.log(`connection ${this.exchange.role} closed: ${step.close.reason}`);
      this.close(step.close.reason);
      return;
    }
    // a part of a long answer went out: if the socket took it all, no drain event will come to ask for the next
    if (step.send.length && this.exchange.more && !this.pullQueued) {
      this.pullQueued = true;
      queueMicrotask(() => {
        this.pullQueued = false;
        this.pullMore();
      });
    }
  }
  private pullQueued = false;

  private write(s: string): void {
    if (this.closed) return;
    const bytes = Buffer.from(s, "utf8");
    if (!this.out.length) {
      const n = this.socket.write(bytes);
      if (n >= bytes.length) return;
      this.enqueue(bytes.subarray(Math.max(0, n)));
    } else this.enqueue(bytes);
  }

  private enqueue(b: Uint8Array): void {
    if (!this.queued) this.armStall();
    this.out.push(b);
    this.queued += b.length;
    if (this.queued > this.peakQueued) this.peakQueued = this.queued;
    if (this.queued > this.queueLimits.maxBytes)
      return this.drop(`peer does not read: over ${this.queueLimits.maxBytes} bytes queued`);
    if (this.queued > this.queueLimits.pauseBytes) this.paused = true;
  }

  private flush(): void {
    let progressed = false;
    while (this.out.length) {
      const b = this.out[0]!;
      const n = Math.max(0, this.socket.write(b));
      if (n > 0) progressed = true;
      this.queued -= n;
      if (n < b.length) {
        this.out[0] = b.subarray(n);
        break;
      }
      this.out.shift();
    }
    if (!this.out.length) {
      if (this.stallTimer) clearTimeout(this.stallTimer);
      this.stallTimer = undefined;
    } else if (progressed) {
      this.armStall();
      if (this.lingerTimer) this.armLinger();
    }
    if (this.closed) {
      if (!this.out.length) this.endSocket();
      return;
    }
    if (this.paused && this.queued <= this.queueLimits.pauseBytes / 2) this.unpause();
    if (!this.paused && !this.closed && this.queued <= this.queueLimits.pauseBytes / 2) this.pullMore();
  }

  /** bytes of long answers (more()) since the last collection */
  private pulledBytes = 0;

  /** The engine's next part of a long answer, while the peer keeps reading (bounded by the queue marks). */
  private pullMore(): void {
    for (
      let i = 0;
      i < 64 && this.exchange.more && !this.closed && !this.paused && this.queued <= this.queueLimits.pauseBytes / 2;
      i++
    ) {
      const step = this.exchange.more();
      if (!step.send.length && !step.close) return;
      for (const l of step.send) this.pulledBytes += l.length;
      this.apply(step);
      if (this.pulledBytes >= (this.queueLimits.gcBytes ?? LONG_ANSWER_GC_BYTES)) {
        // a long answer's garbage, collected as it goes rather than at the runtime's pace (issue 17)
        this.pulledBytes = 0;
        Bun.gc(true);
      }
    }
  }

  /** The queue drained (or the engine's checks caught up): handle lines again, starting with what was held. */
  private unpause(): void {
    this.paused = false;
    if (this.waiting) return;
    const held = this.held;
    this.held = [];
    this.heldBytes = 0;
    // onData holds the rest again, in order, if these lines pause us once more
    for (const c of held) this.onData(c);
  }

  /** Input that arrived while paused, kept for later (bounded). */
  private hold(chunk: Uint8Array): void {
    this.held.push(chunk);
    this.heldBytes += chunk.length;
    if (this.heldBytes > this.queueLimits.heldBytes)
      this.drop(`peer keeps sending while not reading: over ${this.queueLimits.heldBytes} bytes held`);
  }

  private close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.clearTimers();
    this.held = [];
    if (!this.out.length) this.endSocket();
    // what is still queued may leave while the peer reads it; one that stops reading is cut off
    else this.armLinger();
    this.resolveDone(reason);
  }

  /** Drop the connection at once and free its queue (a peer that does not read). */
  private drop(reason: string): void {
    this.log(`connection ${this.exchange.role}: ${reason}`);
    if (!this.closed) {
      this.exchange.abort(reason);
      this.closed = true;
      this.resolveDone(reason);
    }
    this.clearTimers();
    this.dropQueue();
    this.socket.terminate();
  }

  private dropQueue(): void {
    this.out = [];
    this.queued = 0;
    this.held = [];
    this.heldBytes = 0;
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
  }

  private endSocket(): void {
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    this.socket.end();
  }

  private armLinger(): void {
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.lingerTimer = setTimeout(
      () => this.drop("closing: the peer stopped reading what was queued"),
      this.timeouts.lingerMs,
    );
  }

  private armStall(): void {
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.stallTimer = setTimeout(
      () => this.drop(`peer read nothing for ${this.timeouts.stallMs} ms`),
      this.timeouts.stallMs,
    );
  }

  private armRead(): void {
    if (this.exchange.live) return;
    if (this.readTimer) clearTimeout(this.readTimer);
    this.readTimer = setTimeout(() => this.fail("read timeout"), this.timeouts.readMs);
  }

  private clearReadTimers(): void {
    if (this.readTimer) clearTimeout(this.readTimer);
    clearTimeout(this.deadline);
  }

  private clearTimers(): void {
    this.clearReadTimers();
  }
}
