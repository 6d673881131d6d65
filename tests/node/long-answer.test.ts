// A new member's first reconciliation with a large history: the node hands out what the
// member lacks in parts of V2_GIVE_STEP_BYTES as the connection drains, instead of queueing
// the whole history at once (which, past OUT_QUEUE_MAX_BYTES, would drop the connection and
// leave the member unable to ever finish its first sync). Engine level and over real sockets.
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import type { FelundNode } from "../../src/node/node.ts";
import * as svc from "../../src/node/service.ts";
import { OUT_QUEUE_PAUSE_BYTES, V2_GIVE_STEP_BYTES, V2_MSGS_FRAME_BUDGET } from "../../src/protocol/limits.ts";
import { DEFAULT_TIMEOUTS, LineConn, type ConnData } from "../../src/node/line-conn.ts";
import { V2Exchange } from "../../src/sync/v2-exchange.ts";
import { connect, joinCircle, makeNode, post, texts } from "../v2/helpers.ts";
import { startV2Node, waitFor } from "./helpers.ts";

setDefaultTimeout(60_000);
const nodes: FelundNode[] = [];
afterEach(() => {
  while (nodes.length) nodes.pop()!.stop();
});

const big = (i: number) => `${i} `.padEnd(7000, "x");

test("engine: the reconciliation answer is one part; more() hands out the rest until the peer holds everything", () => {
  const a = makeNode("alice");
  const b = makeNode("bob");
  const cid = joinCircle(a, a);
  joinCircle(b, a);
  for (let i = 0; i < 700; i++) post(b, cid, big(i)); // ~4.9 MB of text, ~6.6 MB on the wire
  // bob dials alice, who lacks all of it: record the size of every step bob's engine produces
  // (answers to frames, and the parts the test pump asks for with more(), as a shell does when
  // its queue drains)
  const c = V2Exchange.client(b.deps, cid, a.listenAddr);
  const steps: number[] = [];
  const size = (s: { send: string[] }) => {
    steps.push(s.send.reduce((n, l) => n + l.length + 1, 0));
    return s;
  };
  const receive = c.receive.bind(c);
  const more = c.more.bind(c);
  c.receive = (line) => size(receive(line));
  c.more = () => size(more());
  connect(b, a, cid, { clientEx: c });
  expect(texts(a, cid).length).toBe(700);
  const total = steps.reduce((x, y) => x + y, 0);
  expect(total).toBeGreaterThan(6_000_000);
  // no step put more than one part (plus a frame) into the queue
  expect(Math.max(...steps)).toBeLessThanOrEqual(V2_GIVE_STEP_BYTES + V2_MSGS_FRAME_BUDGET * 2);
  expect(c.more().send).toEqual([]);
});

test("real sockets: a joiner syncs a ~9 MB history while the owner's queue for it stays near the pause mark", async () => {
  const a = await startV2Node("alice");
  nodes.push(a);
  const { circleId: cid, code } = a.createCircle("big");
  for (let i = 0; i < 1000; i++) svc.sendMessage(a.ctx, cid, "general", big(i));
  const b = await startV2Node("bob");
  nodes.push(b);
  await b.join({ code });
  await waitFor(() => b.store.countMessages(cid) >= a.store.countMessages(cid), 30_000, "bob holds the history");
  const conns = [...((a as unknown as { sessions: Map<string, Set<{ conn: LineConn }>> }).sessions.get(cid) ?? [])].map(
    (s) => s.conn,
  );
  expect(conns.length).toBeGreaterThan(0);
  for (const c of conns)
    expect(c.peakQueued).toBeLessThanOrEqual(OUT_QUEUE_PAUSE_BYTES + V2_GIVE_STEP_BYTES + V2_MSGS_FRAME_BUDGET * 2);
});

test("over real sockets with small queue bounds: a 13 MB answer finishes where one queued whole would pass the drop mark", async () => {
  const a = makeNode("alice");
  const b = makeNode("bob");
  const cid = joinCircle(a, a);
  joinCircle(b, a);
  for (let i = 0; i < 1400; i++) post(b, cid, big(i));
  // gcBytes: the serving side collects its garbage every 4 MiB of the long answer (issue 17)
  const limits = { pauseBytes: 1024 * 1024, maxBytes: 3 * 1024 * 1024, heldBytes: 8 * 1024 * 1024, gcBytes: 4 << 20 };
  const gc = Bun.gc;
  let collections = 0;
  Bun.gc = (force) => {
    collections++;
    return gc(force);
  };
  const logs: string[] = [];
  let server: LineConn | undefined;
  const l = Bun.listen<ConnData>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open: (s) => {
        server = new LineConn(
          s,
          V2Exchange.server(a.deps, "127.0.0.1"),
          (x) => logs.push(`a: ${x}`),
          DEFAULT_TIMEOUTS,
          undefined,
          limits,
        );
        s.data = { conn: server };
      },
      data: (s, c) => s.data?.conn?.onData(c),
      drain: (s) => s.data?.conn?.onDrain(),
      close: (s) => s.data?.conn?.onClose(),
    },
  });
  let client: LineConn | undefined;
  const sock = await Bun.connect<ConnData>({
    hostname: "127.0.0.1",
    port: l.port,
    socket: {
      open: (s) => {
        client = new LineConn(
          s,
          V2Exchange.client(b.deps, cid, `127.0.0.1:${l.port}`),
          (x) => logs.push(`b: ${x}`),
          DEFAULT_TIMEOUTS,
          undefined,
          limits,
        );
        s.data = { conn: client };
        client.begin();
      },
      data: (s, c) => s.data?.conn?.onData(c),
      drain: (s) => s.data?.conn?.onDrain(),
      close: (s) => s.data?.conn?.onClose(),
    },
  });
  try {
    await waitFor(() => texts(a, cid).length === 1400 || !!client?.isClosed, 30_000, "alice holds bob's history");
    expect({
      held: texts(a, cid).length,
      closed: client!.isClosed,
      logs: logs.filter((x) => /drop|over/.test(x)),
    }).toEqual({ held: 1400, closed: false, logs: [] });
    expect(client!.peakQueued).toBeLessThanOrEqual(limits.maxBytes);
    // ~13 MB handed out by more() in parts: collected as it went, about every 4 MiB
    expect(collections).toBeGreaterThanOrEqual(2);
  } finally {
    Bun.gc = gc;
    sock.end();
    l.stop(true);
  }
});
