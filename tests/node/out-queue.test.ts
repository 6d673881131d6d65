// LineConn's outgoing queue (issue 12, item 4) over real loopback sockets: a peer that sends
// requests and never reads makes the connection pause (no more requests served) with its
// queue under the cap, then drops it once the peer has read nothing for the stall time, or
// once what it sent meanwhile passes the holding bound; a peer that reads again is served the
// rest; pushes to a peer that reads nothing hit the hard cap; two peers that both send large
// batches at once both pause and still both finish (no deadlock).
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { DEFAULT_TIMEOUTS, LineConn, type ConnData, type Engine } from "../../src/node/line-conn.ts";
import type { Step } from "../../src/sync/v1-exchange.ts";
import { waitFor } from "./helpers.ts";

setDefaultTimeout(30_000);

const REPLY = 256 * 1024;
const LIMITS = { pauseBytes: 1024 * 1024, maxBytes: 8 * 1024 * 1024, heldBytes: 4 * 1024 * 1024 };

/** Answers every line with REPLY bytes (a WANT of many messages, in effect). */
class BigReplies implements Engine {
  readonly role = "server" as const;
  readonly done = false;
  readonly live = true;
  served = 0;
  /** answer the first line with this many replies and close (a v1 MSGS_SEND then the end of the exchange) */
  closeAfter = 0;
  start(): Step {
    return { send: [] };
  }
  receive(): Step {
    this.served++;
    if (this.closeAfter)
      return {
        send: Array.from({ length: this.closeAfter }, () => "x".repeat(REPLY - 1)),
        close: { reason: "done", error: false },
      };
    return { send: ["x".repeat(REPLY - 1)] };
  }
  abort(): void {}
}

const cleanup: (() => void)[] = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

async function setup(stallMs: number, closeAfter = 0, lingerMs = DEFAULT_TIMEOUTS.lingerMs, limits = LIMITS) {
  const engine = new BigReplies();
  engine.closeAfter = closeAfter;
  let conn: LineConn | undefined;
  const logs: string[] = [];
  const l = Bun.listen<ConnData>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open: (s) => {
        conn = new LineConn(
          s,
          engine,
          (x) => logs.push(x),
          { ...DEFAULT_TIMEOUTS, stallMs, lingerMs },
          undefined,
          limits,
        );
        s.data = { conn };
      },
      data: (s, c) => s.data?.conn?.onData(c),
      drain: (s) => s.data?.conn?.onDrain(),
      close: (s) => s.data?.conn?.onClose(),
    },
  });
  let read = 0;
  let closed = false;
  const client = await Bun.connect({
    hostname: "127.0.0.1",
    port: l.port,
    socket: {
      open: (s) => s.pause(),
      data: (_s, c) => {
        read += c.length;
      },
      close: () => {
        closed = true;
      },
    },
  });
  cleanup.push(() => {
    client.terminate();
    l.stop(true);
  });
  await waitFor(() => !!conn, 5000, "server side");
  return { engine, conn: () => conn!, client, logs, read: () => read, closed: () => closed };
}

test("a peer that sends requests and never reads: paused under the cap, then dropped", async () => {
  const t = await setup(1500);
  t.client.write("want\n".repeat(200));
  await waitFor(() => t.conn().isPaused, 10_000, "paused");
  await Bun.sleep(300);
  // it stopped serving: far fewer than 200 answers (200 x 256 KiB = 50 MiB on the old code)
  expect(t.engine.served).toBeLessThan(200);
  expect(t.conn().queuedBytes).toBeLessThanOrEqual(LIMITS.pauseBytes + REPLY);
  expect(t.conn().peakQueued).toBeLessThanOrEqual(LIMITS.pauseBytes + REPLY);
  // nothing read for the stall time: dropped, queue freed
  const reason = await t.conn().finished;
  expect(reason).toMatch(/read nothing/);
  expect(t.conn().queuedBytes).toBe(0);
  await waitFor(() => t.closed(), 5000, "client sees the close");
});

test("a peer that reads again is served the rest", async () => {
  const t = await setup(20_000);
  t.client.write("want\n".repeat(60));
  await waitFor(() => t.conn().isPaused, 10_000, "paused");
  expect(t.engine.served).toBeLessThan(60);
  t.client.resume();
  await waitFor(() => t.engine.served === 60 && t.read() === 60 * REPLY, 20_000, "every request answered and read");
  expect(t.conn().isPaused).toBe(false);
  expect(t.conn().peakQueued).toBeLessThanOrEqual(LIMITS.pauseBytes + REPLY);
  expect(t.conn().isClosed).toBe(false);
});

test("pushes to a peer that reads nothing: dropped at the hard cap", async () => {
  const t = await setup(20_000);
  const push = "p".repeat(REPLY - 1);
  for (let i = 0; i < 200 && !t.conn().isClosed; i++) t.conn().apply({ send: [push] });
  expect(t.conn().isClosed).toBe(true);
  expect(await t.conn().finished).toMatch(/does not read/);
  expect(t.conn().queuedBytes).toBe(0);
  expect(t.conn().peakQueued).toBeLessThanOrEqual(LIMITS.maxBytes + REPLY);
});

test("an exchange that ended with its answer unread: the socket is cut and the queue freed (was: kept open for good)", async () => {
  const t = await setup(1500, 24); // 6 MiB answer, more than loopback's socket buffers take
  t.client.write("req\n");
  await waitFor(() => t.conn().isClosed, 10_000, "exchange over");
  expect(t.conn().queuedBytes).toBeGreaterThan(0);
  await waitFor(() => t.closed(), 10_000, "socket cut");
  expect(t.conn().queuedBytes).toBe(0);
});

test("an exchange's last answer still reaches a peer that reads it slowly, past the linger time", async () => {
  const n = 160; // 40 MiB answer; linger 300 ms without progress
  const t = await setup(20_000, n, 300, { ...LIMITS, maxBytes: 64 * 1024 * 1024 });
  t.client.write("req\n");
  await waitFor(() => t.conn().isClosed, 10_000, "exchange over");
  // read in steps: resume for a moment, pause for 150 ms (under the linger time, many times in all)
  const _t0 = Date.now();
  let steps = 0;
  for (; steps < 400 && t.read() < n * REPLY && !t.closed(); steps++) {
    t.client.resume();
    await Bun.sleep(1);
    t.client.pause();
    await Bun.sleep(150);
  }
  t.client.resume();
  await waitFor(() => t.closed(), 10_000, "closed after the answer");
  expect(t.read()).toBe(n * REPLY);
  expect(steps).toBeGreaterThan(2); // it took more than one linger time in all
});

test("a peer that keeps sending requests while not reading is dropped at the holding bound", async () => {
  const t = await setup(20_000);
  const req = "want" + " ".repeat(1019) + "\n"; // 1 KiB requests
  for (let i = 0; i < 8000 && !t.conn().isClosed; i++) {
    t.client.write(req);
    if (i % 500 === 499) await Bun.sleep(5);
  }
  expect(await t.conn().finished).toMatch(/bytes held/);
  expect(t.engine.served).toBeLessThan(100);
  expect(t.conn().queuedBytes).toBe(0);
});

/** Sends `n` big lines at start and counts the lines it receives (a large batch each way at once). */
class Burst implements Engine {
  readonly done = false;
  readonly live = true;
  got = 0;
  constructor(
    readonly role: "client" | "server",
    private n: number,
  ) {}
  start(): Step {
    return { send: Array.from({ length: this.n }, () => "b".repeat(REPLY - 1)) };
  }
  receive(): Step {
    this.got++;
    return { send: [] };
  }
  abort(): void {}
}

test("two peers that both send 10 MiB at once both pause, keep reading, and both finish", async () => {
  const n = 40;
  const limits = { ...LIMITS, heldBytes: 16 * 1024 * 1024 };
  const srv = new Burst("server", n);
  const cli = new Burst("client", n);
  let sc: LineConn | undefined;
  let cc: LineConn | undefined;
  const timeouts = { ...DEFAULT_TIMEOUTS, stallMs: 5000 };
  const l = Bun.listen<ConnData>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open: (s) => {
        sc = new LineConn(s, srv, () => {}, timeouts, undefined, limits);
        s.data = { conn: sc };
        sc.begin();
      },
      data: (s, c) => s.data?.conn?.onData(c),
      drain: (s) => s.data?.conn?.onDrain(),
      close: (s) => s.data?.conn?.onClose(),
    },
  });
  const c = await Bun.connect<ConnData>({
    hostname: "127.0.0.1",
    port: l.port,
    socket: {
      open: (s) => {
        cc = new LineConn(s, cli, () => {}, timeouts, undefined, limits);
        s.data = { conn: cc };
        cc.begin();
      },
      data: (s, ch) => s.data?.conn?.onData(ch),
      drain: (s) => s.data?.conn?.onDrain(),
      close: (s) => s.data?.conn?.onClose(),
    },
  });
  cleanup.push(() => {
    c.terminate();
    l.stop(true);
  });
  await waitFor(() => srv.got === n && cli.got === n, 20_000, "both batches handled");
  expect(sc!.peakQueued).toBeGreaterThan(LIMITS.pauseBytes); // both really paused on the way
  expect(cc!.peakQueued).toBeGreaterThan(LIMITS.pauseBytes);
  expect([sc!.isClosed, cc!.isClosed, sc!.isPaused, cc!.isPaused]).toEqual([false, false, false, false]);
});
