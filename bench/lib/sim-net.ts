// The simulated network of bench/sim.ts: virtual time, an event queue, and links between
// simulated nodes that carry lines one way each with a latency, loss, and TCP's in-order
// delivery. No sockets and no real waiting: a run of minutes of virtual time takes as long as the
// real work (signatures, reconciliation, stores) does.
//
// Loss is modelled as TCP sees it: a lost segment is retransmitted after RTO, and every line
// sent after it on that direction waits behind it (head-of-line blocking). Nothing is ever lost
// for good while the link is up; a partition or a node going down closes the link.

/** A min-heap of timed events; ties run in the order they were scheduled. */
export class EventQueue {
  private heap: { at: number; seq: number; run: () => void }[] = [];
  private seq = 0;
  now = 0;

  at(t: number, run: () => void): void {
    const h = this.heap;
    h.push({ at: Math.max(t, this.now), seq: this.seq++, run });
    for (let i = h.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (this.less(h[p]!, h[i]!)) break;
      [h[p], h[i]] = [h[i]!, h[p]!];
      i = p;
    }
  }

  after(dt: number, run: () => void): void {
    this.at(this.now + dt, run);
  }

  /** Run events until none is left or virtual time would pass `until`; returns how many ran. */
  run(until = Number.POSITIVE_INFINITY, maxEvents = 50_000_000): number {
    let n = 0;
    while (this.heap.length && this.heap[0]!.at <= until && n < maxEvents) {
      const e = this.pop();
      this.now = e.at;
      e.run();
      n++;
    }
    if (until !== Number.POSITIVE_INFINITY && this.now < until) this.now = until;
    return n;
  }

  get size(): number {
    return this.heap.length;
  }

  private less(a: { at: number; seq: number }, b: { at: number; seq: number }): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private pop() {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length) {
      h[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i]!, h[m]!];
        i = m;
      }
    }
    return top;
  }
}

export interface LinkModel {
  /** one-way latency in ms */
  latencyMs: number;
  /** random extra delay per line, uniform in [0, jitterMs) */
  jitterMs: number;
  /** probability that a line's segment is lost once (then retransmitted after rtoMs) */
  loss: number;
  rtoMs: number;
}

/** A deterministic PRNG (mulberry32) for the network's choices. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One direction of a connection: lines arrive in order, each after latency (+ retransmission). */
export class Pipe {
  private lastArrival = 0;
  open = true;
  bytes = 0;
  lines = 0;

  constructor(
    private q: EventQueue,
    private model: LinkModel,
    private rand: () => number,
    private deliver: (line: string) => void,
  ) {}

  send(line: string): void {
    if (!this.open) return;
    this.bytes += line.length + 1;
    this.lines++;
    const m = this.model;
    let t = this.q.now + m.latencyMs + (m.jitterMs ? this.rand() * m.jitterMs : 0);
    while (m.loss > 0 && this.rand() < m.loss) t += m.rtoMs;
    t = Math.max(t, this.lastArrival); // TCP: in order
    this.lastArrival = t;
    this.q.at(t, () => {
      if (this.open) this.deliver(line);
    });
  }
}
