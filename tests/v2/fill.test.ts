// The streamed fill of docs/PROTOCOL.md §23 (issue 17), engine level: a new member's first
// session receives the whole history newest first, with FILL progress, in MSGS_Z frames; the
// serving side reads it a bounded page at a time as the connection drains; a peer that did not
// offer the fill gets the same messages in plain MSGS frames; bad FILL / MSGS_Z bodies are refused.
import { expect, setDefaultTimeout, test } from "bun:test";
import { installNativePrimitives, nodeZip } from "../../src/node/native-primitives.ts";
import { fromHex, toHex } from "../../src/protocol/bytes.ts";
import { V2DecodeError } from "../../src/protocol/v2/codec.ts";
import { encodeItems, openItems, V2_FILL_PAGE, V2_FILL_RAW_MAX, type Zip } from "../../src/protocol/v2/fill.ts";
import { decodeFrame, encodeFrame } from "../../src/protocol/v2/frames.ts";
import type { FillQuery, FillRow, StoredMessage } from "../../src/sync/store.ts";
import { V2Exchange, type V2Step } from "../../src/sync/v2-exchange.ts";
import { connect, joinCircle, makeNode, NOW, type Node, post } from "./helpers.ts";

setDefaultTimeout(120_000);
installNativePrimitives(); // the node's crypto: thousands of signatures

/** an owner holding `n` messages one second apart (incompressible text, ~1 KB signed), and a new member */
function world(n: number, opts: { joinerZip: boolean }) {
  const owner = makeNode("olivia");
  const jack = makeNode("jack");
  owner.deps.zip = nodeZip;
  if (opts.joinerZip) jack.deps.zip = nodeZip;
  const cid = joinCircle(owner, owner);
  const words = owner.deps.rng;
  owner.store.transaction(() => {
    for (let i = 0; i < n; i++) {
      owner.clock.now = NOW - n + i;
      post(owner, cid, `history ${i} ${toHex(words(800))}`);
    }
  });
  owner.clock.now = NOW;
  joinCircle(jack, owner);
  return { owner, jack, cid };
}

/** jack dials the owner; every step of jack's engine is recorded, and every page the owner's store reads */
function join(w: ReturnType<typeof world>) {
  const steps: V2Step[] = [];
  const pages: { rows: number; ahead: number }[] = [];
  let got = 0;
  const store = w.owner.store;
  const page = store.fillPage.bind(store);
  let read = 0;
  store.fillPage = (cid: string, q: FillQuery): FillRow[] => {
    const rows = page(cid, q);
    read += rows.length;
    pages.push({ rows: rows.length, ahead: read - got });
    return rows;
  };
  const ex = V2Exchange.client(w.jack.deps, w.cid, w.owner.listenAddr);
  const receive = ex.receive.bind(ex);
  ex.receive = (line: string) => {
    const s = receive(line);
    steps.push(s);
    if (s.fill) got = s.fill.got;
    return s;
  };
  const conn = connect(w.jack, w.owner, w.cid, { clientEx: ex });
  const fills = steps.flatMap((s) => (s.fill ? [s.fill] : []));
  const stored = steps.flatMap((s) => s.stored ?? []);
  return { conn, ex, steps, fills, stored, pages };
}

const chats = (n: Node, cid: string) => n.store.countChatMessages(cid);
const texts = (ms: StoredMessage[]) => ms.filter((m) => m.channelId === "general").map((m) => m.text);

test("a join: the whole history, newest first, with progress from 0 to the total; the server reads a page at a time", () => {
  const N = 3000;
  const w = world(N, { joinerZip: true });
  const j = join(w);
  expect(j.conn.closed).toEqual({});
  // completeness: every message, and the owner's card
  expect(chats(w.jack, w.cid)).toBe(N);
  expect(j.ex.result.rejected).toEqual([]);
  // recent first: the history arrives in falling created_ts, starting with the newest
  const ts = j.stored.filter((m) => m.channelId === "general").map((m) => m.createdTs);
  expect(ts.length).toBe(N);
  expect(ts[0]).toBe(NOW - 1);
  for (let i = 1; i < ts.length; i++) expect(ts[i]!).toBeLessThanOrEqual(ts[i - 1]!);
  expect(texts(j.stored)[0]).toStartWith(`history ${N - 1} `);
  // the first frame of the fill is one screen of the newest messages, readable before the big frames
  const firstFrame = j.steps.find((s) => s.fill && s.stored?.length)!;
  expect(firstFrame.stored!.length).toBeGreaterThanOrEqual(50);
  expect(firstFrame.stored!.length).toBeLessThanOrEqual(100);
  // progress: announced at 0 of the total (the history and the owner's card, less what jack holds),
  // rising with every frame, done at the total
  const total = j.fills[0]!.total;
  expect(total).toBeGreaterThanOrEqual(N);
  expect(j.fills[0]).toEqual({ circleId: w.cid, got: 0, total, done: false });
  const last = j.fills[j.fills.length - 1]!;
  expect(last).toEqual({ circleId: w.cid, got: total, total, done: true });
  expect(j.fills.length).toBeGreaterThan(4);
  for (let i = 1; i < j.fills.length; i++) expect(j.fills[i]!.got).toBeGreaterThanOrEqual(j.fills[i - 1]!.got);
  // what progress said matches what was stored when it said it
  let stored = 0;
  for (const s of j.steps) {
    stored += s.stored?.length ?? 0;
    if (s.fill && !s.fill.done) expect(s.fill.got).toBe(stored);
  }
  // the serving side: pages of at most V2_FILL_PAGE rows, never far ahead of what the joiner has
  expect(Math.max(...j.pages.map((p) => p.rows))).toBeLessThanOrEqual(V2_FILL_PAGE);
  expect(j.pages.length).toBeGreaterThanOrEqual(Math.ceil(N / V2_FILL_PAGE));
  expect(Math.max(...j.pages.map((p) => p.ahead))).toBeLessThan(N * 0.8);
  expect(j.steps.filter((s) => s.fill && !s.fill.done).length).toBeGreaterThan(1);
  // on the wire: compressed, less than the signed messages' own size (plain MSGS lines were 1.44 times it)
  const signedBytes = w.owner.store
    .v2Items(w.cid, { maxEpoch: 0, legacy: false })
    .reduce((a, m) => a + (w.owner.store.getV2Wire(m.msgId)?.length ?? 0) * 0.75, 0);
  expect(j.conn.bytes.server / signedBytes).toBeLessThan(1.1);
  // a heal round afterwards finds nothing to send
  const before = j.conn.bytes.server;
  j.conn.feed("client", j.conn.client.resync());
  j.conn.pump();
  expect(j.conn.bytes.server - before).toBeLessThan(200);
});

test("a peer that did not offer the fill gets the same history in plain MSGS frames, still read a page at a time", () => {
  const N = 2000;
  const w = world(N, { joinerZip: false });
  const j = join(w);
  expect(j.conn.closed).toEqual({});
  expect(chats(w.jack, w.cid)).toBe(N);
  expect(j.fills).toEqual([]);
  expect(j.ex.result.fill).toBeNull();
  const ts = j.stored.filter((m) => m.channelId === "general").map((m) => m.createdTs);
  for (let i = 1; i < ts.length; i++) expect(ts[i]!).toBeLessThanOrEqual(ts[i - 1]!);
  expect(Math.max(...j.pages.map((p) => p.rows))).toBeLessThanOrEqual(V2_FILL_PAGE);
  expect(j.pages.length).toBeGreaterThanOrEqual(Math.ceil(N / V2_FILL_PAGE));
});

test("a small difference is reconciled as before: no fill", () => {
  const w = world(200, { joinerZip: true });
  const j = join(w);
  expect(chats(w.jack, w.cid)).toBe(200);
  expect(j.fills).toEqual([]);
  expect(j.pages).toEqual([]);
});

test("FILL and MSGS_Z bodies: round trip, and what is refused before anything is stored", () => {
  const f = { t: "fill" as const, sent: 42_000, total: 100_000 };
  expect(decodeFrame(encodeFrame(f))).toEqual(f);
  const bad = encodeFrame({ t: "fill", sent: 1, total: 1 });
  bad[8] = 2; // sent above total
  expect(() => decodeFrame(bad)).toThrow(V2DecodeError);
  const items = [{ form: 1 as const, data: new Uint8Array([1, 2, 3]) }];
  const raw = encodeItems(items);
  const z = { t: "msgs_z" as const, rawLen: raw.length, data: nodeZip.deflate(raw) };
  const back = decodeFrame(encodeFrame(z));
  expect(back).toEqual(z);
  expect(openItems(nodeZip, z.rawLen, z.data)).toEqual(items);
  // a declared size that is not the inflated one, and a bomb: refused (the bomb before inflating)
  expect(() => openItems(nodeZip, raw.length + 1, z.data)).toThrow("does not inflate to its declared size");
  expect(() => openItems(nodeZip, raw.length - 1, z.data)).toThrow("does not inflate to its declared size");
  let inflated = 0;
  const spy: Zip = { deflate: nodeZip.deflate, inflate: (b, m) => (inflated++, nodeZip.inflate(b, m)) };
  const bomb = nodeZip.deflate(new Uint8Array(V2_FILL_RAW_MAX * 4));
  expect(() => openItems(spy, V2_FILL_RAW_MAX + 1, bomb)).toThrow("payload too large");
  expect(inflated).toBe(0);
  expect(() => openItems(spy, 100, bomb)).toThrow(V2DecodeError);
  expect(() => openItems(nodeZip, 5, new Uint8Array([1, 2, 3]))).toThrow(V2DecodeError);
});

test("a joiner without zlib does not offer the fill; one with it does (HELLO version 2)", () => {
  const w = world(0, { joinerZip: true });
  const hello = (deps: typeof w.jack.deps) =>
    JSON.parse(V2Exchange.client(deps, w.cid, w.owner.listenAddr).start().send[0]!).v2.v as number[];
  expect(hello(w.jack.deps)).toEqual([1, 2]);
  expect(hello({ ...w.jack.deps, zip: undefined })).toEqual([1]);
});

test("§23 test vectors: FILL and MSGS_Z bytes", () => {
  expect(toHex(encodeFrame({ t: "fill", sent: 42_000, total: 100_000 }))).toBe("0c000000000000a41000000000000186a0");
  const raw = encodeItems([{ form: 1, data: fromHex("deadbeef") }]);
  expect(toHex(raw)).toBe("000000010100000004deadbeef");
  const frame = fromHex("0d0000000d636060606464606060b9b776df7b00");
  const f = decodeFrame(frame);
  expect(f).toEqual({ t: "msgs_z", rawLen: 13, data: fromHex("636060606464606060b9b776df7b00") });
  if (f.t !== "msgs_z") return;
  expect(openItems(nodeZip, f.rawLen, f.data)).toEqual([{ form: 1, data: fromHex("deadbeef") }]);
});

test("a page of big messages is cut at the step's budget and goes on from there (the queue stays bounded)", async () => {
  const { FillServer } = await import("../../src/sync/v2-fill.ts");
  // 512 rows of 9 KB each, newest first: one page is 4.6 MB, the budget 64 KB
  const rows: FillRow[] = Array.from({ length: V2_FILL_PAGE }, (_, i) => ({
    ts: 10_000 - i,
    msgId: i.toString(16).padStart(32, "0"),
    wire: Buffer.from(new Uint8Array(9000).fill(i & 255)).toString("base64"),
  }));
  const asked: (FillQuery["below"] | null)[] = [];
  const page = (_c: string, q: FillQuery) => {
    asked.push(q.below);
    const from = q.below ? rows.findIndex((r) => r.msgId === q.below!.id) + 1 : 0;
    return rows.slice(from, from + q.limit);
  };
  const f = new FillServer(
    page,
    "c",
    { maxEpoch: 0, legacy: false },
    (fr) => Buffer.from(encodeFrame(fr)).toString("base64"),
    null,
    () => [],
  );
  const lower = { ts: 0, id: new Uint8Array(16) };
  f.add([{ lower, upper: { ts: Infinity, id: new Uint8Array(16) }, count: rows.length, except: new Set() }]);
  let sent = 0;
  let steps = 0;
  while (f.active && steps < 1000) {
    const frames = f.some(64 * 1024);
    const bytes = frames.reduce((n, x) => n + x.length + 1, 0);
    // at most the budget and one message over it (the message that crossed it); the budget counts
    // a batch's message bytes, and a frame as text (base64 here, sealed in a session) is 4/3 of them
    expect(bytes).toBeLessThan(((64 * 1024 + 9_100) * 4) / 3 + 100);
    for (const x of frames) {
      const d = decodeFrame(new Uint8Array(Buffer.from(x, "base64")));
      if (d.t === "msgs") sent += d.items.length;
    }
    steps++;
  }
  expect(sent).toBe(rows.length);
  expect(steps).toBeGreaterThan(50);
  // each step went on from where the last one stopped
  expect(asked.filter((b) => b !== null).length).toBe(steps - 1);
});
