// Reconciliation at the engine level: traffic grows with the difference, not the history;
// a fresh member receives a whole history over one session.
import { describe, expect, test } from "bun:test";
import { toHex } from "../../src/protocol/bytes.ts";
import { itemOf, ItemSet, initialRanges, processRanges } from "../../src/protocol/v2/recon.ts";
import { connect, joinCircle, makeNode, post, seededRng, texts, NOW } from "./helpers.ts";

describe("reconciliation cost", () => {
  test("10,000 common messages and 10 different: bytes proportional to the difference", () => {
    const a = makeNode("alice");
    const b = makeNode("bob");
    const cid = joinCircle(a, a, { publishCard: false });
    joinCircle(b, a, { publishCard: false });
    // the common history: rows that recon counts but never has to send (their wire is a stub)
    const rng = seededRng(99);
    for (const s of [a.store, b.store])
      s.transaction(() => {
        const r = seededRng(99);
        for (let i = 0; i < 10_000; i++) {
          const msgId = toHex(r(16));
          const ts = NOW - 86_400 * 30 + i * 250;
          s.insertV2Message(
            {
              msgId,
              circleId: cid,
              channelId: "general",
              authorNodeId: "a1b2c3d4e5f60718293a4b5c",
              displayName: "x",
              createdTs: ts,
              text: "common",
              mac: null,
            },
            { authorKey: "00", signature: "00", keyEpoch: 0, kind: 0, wire: "AA==" },
            { origin: "local", receivedAt: NOW, sortTs: ts, sortMs: ts * 1000 },
          );
        }
      });
    void rng;
    // 5 new on each side, spread over the history's time span
    for (let i = 0; i < 5; i++) {
      a.clock.now = NOW - 86_400 * 30 + i * 500_000 + 7;
      post(a, cid, `a only ${i}`);
      b.clock.now = NOW - 86_400 * 29 + i * 450_000 + 11;
      post(b, cid, `b only ${i}`);
    }
    a.clock.now = b.clock.now = NOW;
    const conn = connect(a, b, cid);
    expect(conn.closed).toEqual({});
    expect(a.store.countMessages(cid)).toBe(10_010);
    expect(b.store.countMessages(cid)).toBe(10_010);
    const total = conn.bytes.client + conn.bytes.server;
    // the payload itself: 10 signed messages of ~250 bytes, base64 in frames
    const idListOnly = (10_000 * 16 * 4) / 3;
    console.error(
      `v2 recon: 10,000 common + 10 different: ${total} bytes on the wire (client ${conn.bytes.client}, server ${conn.bytes.server}); sending the id list alone would be ${Math.round(idListOnly)} bytes`,
    );
    expect(total).toBeLessThan(40_000);
    expect(total).toBeLessThan(idListOnly / 5);
  });

  test("the cost grows with the difference, not with the history (pure recon, 1k vs 50k items)", () => {
    const cost = (n: number, diff: number) => {
      const r = seededRng(n + diff);
      const common = Array.from({ length: n }, (_, i) => itemOf(1_000_000 + i, toHex(r(16))));
      const A = new ItemSet([
        ...common,
        ...Array.from({ length: diff }, (_, i) => itemOf(1_000_000 + i * Math.floor(n / diff) + 1, toHex(r(16)))),
      ]);
      const B = new ItemSet(common);
      let ranges = initialRanges(A);
      let bytes = 0;
      let found = 0;
      for (let t = 0; ranges.length && t < 40; t++) {
        bytes += ranges.reduce((s, x) => s + 10 + (x.mode === "fp" ? 16 : x.mode === "ids" ? 16 * x.ids.length : 0), 0);
        const res = processRanges(t % 2 === 0 ? B : A, ranges);
        found += res.want.length + res.give.length;
        ranges = res.out;
      }
      expect(found).toBe(diff);
      return bytes;
    };
    const small = cost(1_000, 10);
    const big = cost(50_000, 10);
    console.error(`v2 recon (pure): 10 different in 1,000 -> ~${small} B, in 50,000 -> ~${big} B`);
    expect(big).toBeLessThan(small * 3);
  });
});

describe("whole history to a fresh member", () => {
  test("300 messages move in one session, in batches; the newcomer verifies every signature", () => {
    const a = makeNode("alice");
    const b = makeNode("bob");
    const cid = joinCircle(a, a);
    for (let i = 0; i < 300; i++) {
      a.clock.now = NOW - 1000 + i;
      post(a, cid, `m${i} `.padEnd(200, "x"));
    }
    joinCircle(b, a);
    const conn = connect(b, a, cid);
    expect(conn.closed).toEqual({});
    expect(texts(b, cid)).toHaveLength(300);
    expect(conn.client.result.stored).toBe(301); // 300 + alice's card
  });
});
