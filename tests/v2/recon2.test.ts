// RECON2 (docs/PROTOCOL.md §24): the compact reconciliation format two current nodes agree on
// through HELLO's "rc" offer, while a v2 node from before it (recon1Only) still reconciles
// with RECON, never receiving a frame it does not know.
import { afterEach, describe, expect, test } from "bun:test";
import { toHex } from "../../src/protocol/bytes.ts";
import { parseOffer } from "../../src/protocol/v2/handshake.ts";
import { initialRanges, ItemSet, itemOf, processRanges, RECON1 } from "../../src/protocol/v2/recon.ts";
import { RECON2 } from "../../src/protocol/v2/recon2.ts";
import { V2Messages } from "../../src/sync/v2-messages.ts";
import { diverged } from "./diverged.ts";
import { connect, post, seededRng } from "./helpers.ts";

const P = V2Messages.prototype;
const answerRecon = P.answerRecon;
/** how many answers each format gave */
const answers = { recon: 0, recon2: 0 };
P.answerRecon = function (this: V2Messages, ranges, recon2, sketch) {
  answers[recon2 ? "recon2" : "recon"]++;
  return answerRecon.call(this, ranges, recon2, sketch);
};
afterEach(() => {
  answers.recon = answers.recon2 = 0;
});

describe("RECON2 between two current nodes", () => {
  test("they reconcile in RECON2, with fewer bytes than RECON over the same difference", () => {
    const cost = (old: boolean) => {
      const { a, b, cid } = diverged(10_000, { a: old, b: old, noSketch: true });
      const conn = connect(a, b, cid);
      expect(conn.closed).toEqual({});
      expect(conn.client.result.reconciled).toBe(true);
      expect(a.store.countMessages(cid)).toBe(10_010);
      expect(b.store.countMessages(cid)).toBe(10_010);
      return conn.bytes.client + conn.bytes.server;
    };
    const before = cost(true);
    expect(answers.recon2).toBe(0);
    answers.recon = 0;
    const now = cost(false);
    // the server answers even the client's first RECON in RECON2; from then on both speak it
    expect(answers.recon).toBe(0);
    expect(answers.recon2).toBeGreaterThan(4);
    console.error(`RECON2: 10,000 common + 10 different: ${now} bytes on the wire against ${before} with RECON`);
    expect(now).toBeLessThan(before * 0.75);
  }, 30_000);

  test("a heal round started by either side runs in RECON2 and finds a new difference", () => {
    const { a, b, cid } = diverged(2_000, { noSketch: true });
    const conn = connect(a, b, cid);
    expect(conn.closed).toEqual({});
    for (const [from, ex, node] of [
      ["server", conn.server, b],
      ["client", conn.client, a],
    ] as const) {
      answers.recon = answers.recon2 = 0;
      // a message only one side holds (stored without a push, as another path would)
      post(node, cid, `healed from the ${from}`);
      conn.feed(from, ex.resync());
      conn.pump();
      expect(conn.closed).toEqual({});
      expect(answers.recon).toBe(0);
      expect(answers.recon2).toBeGreaterThan(2);
    }
    expect(a.store.countMessages(cid)).toBe(2_012);
    expect(b.store.countMessages(cid)).toBe(2_012);
  });
});

describe("with a v2 node from before RECON2", () => {
  for (const [name, old] of [
    ["an older client", { a: true }],
    ["an older server", { b: true }],
  ] as const)
    test(`${name}: RECON only, never a 0x0E frame, and the difference moves`, () => {
      const { a, b, cid } = diverged(2_000, { ...old, noSketch: true });
      const conn = connect(a, b, cid);
      // an older node closes on an unknown frame type: nothing closed, so none reached it
      expect(conn.closed).toEqual({});
      expect(conn.client.result.reconciled).toBe(true);
      expect(answers.recon2).toBe(0);
      expect(answers.recon).toBeGreaterThan(2);
      expect(a.store.countMessages(cid)).toBe(2_010);
      expect(b.store.countMessages(cid)).toBe(2_010);
      conn.feed("server", conn.server.resync());
      conn.feed("client", conn.client.resync());
      conn.pump();
      expect(conn.closed).toEqual({});
      expect(answers.recon2).toBe(0);
      // TYPING (0x09, §22) came with RECON2: an older node would close on it, so neither side sends it
      expect(conn.client.typing("general").send).toEqual([]);
      expect(conn.server.typing("general").send).toEqual([]);
    });

  test("between two current nodes TYPING is sent both ways (the gate above is the only thing that stops it)", () => {
    const { a, b, cid } = diverged(10);
    const conn = connect(a, b, cid);
    expect(conn.closed).toEqual({});
    expect(conn.client.typing("general").send).toHaveLength(1);
    expect(conn.server.typing("general").send).toHaveLength(1);
  });
});

describe("the offer", () => {
  const good = { v: [1], n: "11".repeat(32), e: "22".repeat(32), ep: 0 };
  test('"rc" is read when present, absent for older offers, refused when malformed', () => {
    expect(parseOffer({ ...good, rc: [2] })?.recon).toEqual([2]);
    expect(parseOffer(good)?.recon).toBeUndefined();
    for (const rc of [[], "2", [0], [2.5], [1, 2, 3, 4, 5, 6, 7, 8, 9]])
      expect(() => parseOffer({ ...good, rc })).toThrow(
        "v2 offer reconciliation formats must be a list of small integers",
      );
  });
});

describe("pure ranges", () => {
  test("RECON2's shape finds every difference in 50,000 items, in fewer bytes than RECON's", () => {
    const r = seededRng(5);
    const common = Array.from({ length: 50_000 }, (_, i) => itemOf(1_000_000 + i, toHex(r(16))));
    const extra = Array.from({ length: 10 }, (_, i) => itemOf(1_000_000 + i * 5_000 + 1, toHex(r(16))));
    const A = new ItemSet([...common, ...extra]);
    const B = new ItemSet(common);
    const run = (p: typeof RECON1) => {
      let ranges = initialRanges(A, p);
      let bytes = 0;
      const found: string[] = [];
      for (let t = 0; ranges.length && t < 60; t++) {
        bytes += ranges.reduce(
          (s, x) => s + 4 + (x.mode === "fp" ? x.fp.length : x.mode === "ids" ? 16 * x.ids.length : 0),
          0,
        );
        const res = processRanges(t % 2 === 0 ? B : A, ranges, p);
        found.push(...res.want.map(toHex), ...res.give.map(toHex));
        ranges = res.out;
      }
      expect(found.sort()).toEqual(extra.map((x) => toHex(x.id)).sort());
      return bytes;
    };
    expect(run(RECON2)).toBeLessThan(run(RECON1) * 0.6);
  });
});
