// SKETCH (docs/PROTOCOL.md §28): a round over the whole set that does not match is answered with
// the set's first coded symbols; the round's starter peels the difference from them, asks for
// more when it cannot yet, and falls back to ranges past what symbols can decode. Nodes from
// before SKETCH (noSketch) never receive frame 0x0F, and reconcile by RECON2 as before.
import { afterEach, describe, expect, test } from "bun:test";
import { fromHex, toHex } from "../../src/protocol/bytes.ts";
import { Reader } from "../../src/protocol/v2/codec.ts";
import { decodeFrame, encodeFrame } from "../../src/protocol/v2/frames.ts";
import { parseOffer } from "../../src/protocol/v2/handshake.ts";
import { decodeSketch, peel, Sketch, SKETCH_FIRST, SKETCH_MAX, sketchPart } from "../../src/protocol/v2/sketch.ts";
import { V2Messages } from "../../src/sync/v2-messages.ts";
import { diverged } from "./diverged.ts";
import { connect, post, seededRng } from "./helpers.ts";

const P = V2Messages.prototype;
const answerRecon = P.answerRecon;
const answerSketch = P.answerSketch;
/** range answers, symbol frames answered (with symbols / requests) */
const seen = { ranges: 0, symbols: 0, requests: 0 };
P.answerRecon = function (this: V2Messages, ranges, recon2, sketch) {
  seen.ranges++;
  return answerRecon.call(this, ranges, recon2, sketch);
};
P.answerSketch = function (this: V2Messages, part) {
  seen[part.count.length ? "symbols" : "requests"]++;
  return answerSketch.call(this, part);
};
afterEach(() => {
  seen.ranges = seen.symbols = seen.requests = 0;
});

describe("coded symbols", () => {
  const r = seededRng(3);
  const idsOf = (n: number) => Array.from({ length: n }, () => r(16));
  const sketchOf = (ids: Uint8Array[]) => {
    const s = new Sketch();
    for (const id of ids) s.toggle(id, 0, 1);
    return s;
  };
  const head = (s: Sketch, n: number) => sketchPart(s, 0, 0, n);

  test("a difference peels out exactly: ours, theirs, nothing else", () => {
    const common = idsOf(3_000);
    const mine = idsOf(12);
    const theirs = idsOf(9);
    const a = sketchOf([...common, ...mine]);
    const b = sketchOf([...common, ...theirs]);
    const part = head(b, 128);
    const p = peel(a, part.count, part.xor);
    expect(p).not.toBeNull();
    expect(p!.mine.map(toHex).sort()).toEqual(mine.map(toHex).sort());
    expect(p!.theirs.map(toHex).sort()).toEqual(theirs.map(toHex).sort());
  });

  test("too few symbols: null (ask for more), never a wrong difference", () => {
    const common = idsOf(500);
    for (let t = 0; t < 20; t++) {
      const mine = idsOf(40);
      const a = sketchOf([...common, ...mine]);
      const b = sketchOf(common);
      const few = head(b, 16);
      expect(peel(a, few.count, few.xor)).toBeNull();
      const all = head(b, 200);
      expect(peel(a, all.count, all.xor)?.mine.map(toHex).sort()).toEqual(mine.map(toHex).sort());
    }
  });

  test("removing an item undoes adding it", () => {
    const ids = idsOf(50);
    const s = sketchOf(ids);
    for (const id of ids) s.toggle(id, 0, -1);
    expect(s.count.every((c) => c === 0)).toBe(true);
    expect(s.xor.every((x) => x === 0)).toBe(true);
  });

  test("vectors (§28): symbol indices, checks and the SKETCH frame", () => {
    const ids = ["00112233445566778899aabbccddeeff", "0f1e2d3c4b5a69788796a5b4c3d2e1f0"].map(fromHex);
    const indices = ids.map((id) => {
      const s = new Sketch(64);
      s.toggle(id, 0, 1);
      return { at: [...s.count].flatMap((c, j) => (c ? [j] : [])), check: s.xor[4]!.toString(16).padStart(8, "0") };
    });
    expect(indices).toEqual([
      { at: [0, 7, 13, 28], check: "02801e74" },
      { at: [0, 1, 2, 5, 9, 12, 34, 47], check: "252b3c20" },
    ]);
    const s = new Sketch(64);
    for (const id of ids) s.toggle(id, 0, 1);
    expect(toHex(encodeFrame({ t: "sketch", part: sketchPart(s, 2, 0, 3) }))).toBe(
      "0f020003" +
        "020f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f27ab2254" +
        "010f1e2d3c4b5a69788796a5b4c3d2e1f0252b3c20" +
        "010f1e2d3c4b5a69788796a5b4c3d2e1f0252b3c20",
    );
    // a request for the symbols from 3 on
    expect(toHex(encodeFrame({ t: "sketch", part: sketchPart(s, 2, 3, 0) }))).toBe("0f020300");
    const back = decodeFrame(fromHex("0f020003" + "00".repeat(63)));
    expect(back.t === "sketch" && back.part.count.length).toBe(3);
  });

  test("bad bodies are refused: symbols past the maximum, a truncated symbol", () => {
    const big = new Uint8Array([0x0f, 0x02, 0x88, 0x08, 0x01]); // first 1032
    expect(() => decodeFrame(big)).toThrow(`sketch: symbols past ${SKETCH_MAX}`);
    expect(() => decodeSketch(new Reader(fromHex("020001" + "00".repeat(20)), "frame"))).toThrow();
  });
});

describe("SKETCH between two current nodes", () => {
  test("10,000 common + 5 + 5: one round of symbols, fewer bytes than RECON2", () => {
    const cost = (noSketch: boolean) => {
      const { a, b, cid } = diverged(10_000, { noSketch });
      const conn = connect(a, b, cid);
      expect(conn.closed).toEqual({});
      expect(conn.client.result.reconciled).toBe(true);
      expect(conn.server.result.reconciled).toBe(true);
      expect(a.store.countMessages(cid)).toBe(10_010);
      expect(b.store.countMessages(cid)).toBe(10_010);
      return conn.bytes.client + conn.bytes.server;
    };
    const before = cost(true);
    expect(seen.symbols).toBe(0);
    seen.ranges = 0;
    const now = cost(false);
    // the server answered the client's first RECON with symbols; the client peeled them at once
    expect(seen.ranges).toBe(1);
    expect(seen.symbols).toBe(1);
    expect(seen.requests).toBe(0);
    console.error(`SKETCH: 10,000 common + 10 different: ${now} bytes on the wire against ${before} with RECON2`);
    expect(now).toBeLessThan(before * 0.85);
  }, 30_000);

  test("a difference past the first symbols: the starter asks for more, then peels", () => {
    const { a, b, cid } = diverged(3_000, { aOnly: 40, bOnly: 40 });
    const conn = connect(a, b, cid);
    expect(conn.closed).toEqual({});
    expect(seen.requests).toBeGreaterThan(0);
    expect(seen.symbols).toBe(seen.requests + 1);
    expect(a.store.countMessages(cid)).toBe(3_080);
    expect(b.store.countMessages(cid)).toBe(3_080);
    expect(SKETCH_FIRST).toBeLessThan(80 * 1.3);
  }, 30_000);

  test("sets too far apart for symbols: ranges from the whole set, and everything moves", () => {
    const { a, b, cid } = diverged(2_000, { aOnly: 600, bOnly: 3 });
    const conn = connect(a, b, cid);
    expect(conn.closed).toEqual({});
    expect(seen.symbols).toBe(1);
    expect(seen.requests).toBe(0);
    expect(seen.ranges).toBeGreaterThan(3);
    expect(a.store.countMessages(cid)).toBe(2_603);
    expect(b.store.countMessages(cid)).toBe(2_603);
  }, 60_000);

  test("a heal round started by either side is answered with symbols and finds a new difference", () => {
    const { a, b, cid } = diverged(2_000);
    const conn = connect(a, b, cid);
    expect(conn.closed).toEqual({});
    for (const [from, ex, node] of [
      ["server", conn.server, b],
      ["client", conn.client, a],
    ] as const) {
      seen.symbols = seen.requests = 0;
      post(node, cid, `healed from the ${from}`);
      conn.feed(from, ex.resync());
      conn.pump();
      expect(conn.closed).toEqual({});
      expect(seen.symbols).toBe(1);
    }
    expect(a.store.countMessages(cid)).toBe(2_012);
    expect(b.store.countMessages(cid)).toBe(2_012);
  });

  test("a request out of turn or for symbols past the maximum closes the session", () => {
    for (const first of [0, SKETCH_MAX]) {
      const { a, b, cid } = diverged(200);
      const conn = connect(a, b, cid);
      expect(conn.closed).toEqual({});
      // the client asks the server for symbols it may not ask for (sealed as the client would)
      const line = (conn.client as unknown as { frame(f: unknown): string }).frame({
        t: "sketch",
        part: { size: 1, first, count: new Uint8Array(0), xor: new Uint32Array(0) },
      });
      conn.feed("client", { send: [line] });
      conn.pump();
      expect(conn.closed.server?.reason).toContain("sketch: bad request");
    }
  });

  test("symbols from 0 start a round afresh; symbols that do not continue it are dropped, the round goes on", () => {
    const { a, b, cid } = diverged(200);
    const conn = connect(a, b, cid);
    const seal = (first: number) =>
      (conn.client as unknown as { frame(f: unknown): string }).frame({
        t: "sketch",
        part: { size: 205, first, count: new Uint8Array(2), xor: new Uint32Array(10) },
      });
    // two empty symbols from 0, twice (as two overlapping rounds would): the server starts afresh,
    // asks for more twice, and the client's second answer (from 2 again) is a late one: dropped
    conn.feed("client", { send: [seal(0)] });
    conn.feed("client", { send: [seal(0)] });
    conn.feed("client", { send: [seal(9)] });
    conn.pump();
    expect(conn.closed).toEqual({});
    expect(seen.requests).toBeGreaterThan(0);
    // the server's round still ends (its symbols cannot peel against the empty head: by ranges)
    expect(conn.server.result.reconciled).toBe(true);
    expect(a.store.countMessages(cid)).toBe(210);
    expect(b.store.countMessages(cid)).toBe(210);
  });
});

describe("with a v2 node from before SKETCH", () => {
  for (const [name, old] of [
    ["an older client", "a"],
    ["an older server", "b"],
  ] as const)
    test(`${name}: RECON2 only, never a 0x0F frame, and the difference moves`, () => {
      const { a, b, cid } = diverged(2_000);
      (old === "a" ? a : b).deps.noSketch = true;
      const conn = connect(a, b, cid);
      // an older node closes on an unknown frame type: nothing closed, so none reached it
      expect(conn.closed).toEqual({});
      expect(conn.client.result.reconciled).toBe(true);
      expect(seen.symbols + seen.requests).toBe(0);
      expect(seen.ranges).toBeGreaterThan(2);
      expect(a.store.countMessages(cid)).toBe(2_010);
      expect(b.store.countMessages(cid)).toBe(2_010);
      conn.feed("server", conn.server.resync());
      conn.feed("client", conn.client.resync());
      conn.pump();
      expect(conn.closed).toEqual({});
      expect(seen.symbols + seen.requests).toBe(0);
    });

  test('HELLO offers "rc":[2,3]; a node from before SKETCH offers [2], and reads an offer with 3', () => {
    for (const noSketch of [false, true]) {
      const { a, b, cid } = diverged(10);
      a.deps.noSketch = noSketch;
      const conn = connect(a, b, cid);
      expect(conn.closed).toEqual({});
      const hello = JSON.parse(conn.lines[0]!.line) as { v2: { rc: number[] } };
      expect(hello.v2.rc).toEqual(noSketch ? [2] : [2, 3]);
      expect(parseOffer(hello.v2)?.recon).toEqual(hello.v2.rc);
    }
  });
});
