// The pure v1 exchange engine, two instances wired in memory: handshake in both roles,
// plain and encrypted, refusals, frame limits towards an original-style peer, and large
// histories moved over repeated exchanges.
import { describe, expect, test, setDefaultTimeout } from "bun:test";
import {
  V1_ENC_LINE_MAX,
  V1_MAX_PER_CIRCLE,
  V1_PLAIN_LINE_MAX,
  V1_RETENTION_S,
  EXT_LINE_MAX,
} from "../../src/protocol/limits.ts";
import { V1Exchange } from "../../src/sync/v1-exchange.ts";
import {
  addCircle,
  idsOf,
  insertAll,
  makeMessages,
  makeSide,
  maxLine,
  NOW,
  runExchange,
  secretFor,
  syncRepeatedly,
} from "./helpers.ts";

// Thousands of messages and real sockets: fast when idle; allow for a loaded shared machine.
setDefaultTimeout(20_000);

const SECRET = secretFor(42);

for (const encrypt of [false, true]) {
  const mode = encrypt ? "encrypted" : "plain";
  describe(`handshake and one exchange (${mode})`, () => {
    test("client and server both complete and swap what the other lacks", () => {
      const a = makeSide("a", { encrypt });
      const b = makeSide("b", { encrypt });
      const cid = addCircle(a.store, SECRET);
      addCircle(b.store, SECRET);
      insertAll(a.store, makeMessages(SECRET, a.nodeId, 3));
      insertAll(b.store, makeMessages(SECRET, b.nodeId, 2));
      const r = runExchange(a, b, cid);
      for (const side of [r.client.result, r.server.result]) {
        expect(side.completed).toBe(true);
        expect(side.encrypted).toBe(encrypt);
        expect(side.proto).toBe("ext");
      }
      expect(r.client.result.peerNodeId).toBe(b.nodeId);
      expect(r.server.result.peerNodeId).toBe(a.nodeId);
      expect(r.client.result.stored.length).toBe(2);
      expect(r.server.result.stored.length).toBe(3);
      expect(idsOf(a.store, cid)).toEqual(idsOf(b.store, cid));
      // the four handshake frames are plaintext JSON; the rest depend on the session
      const types = r.lines.slice(0, 4).map((l) => JSON.parse(l.line).t);
      expect(types).toEqual(["HELLO", "CHALLENGE", "HELLO_AUTH", "WELCOME"]);
      const hello = JSON.parse(r.lines[0]!.line);
      expect(typeof hello.nonce === "string" && hello.nonce.length === 32).toBe(encrypt);
      for (const l of r.lines.slice(4)) expect(l.line.startsWith("{")).toBe(!encrypt);
      // each side recorded the other: the server at observed IP + advertised port, the client at the dialled address
      expect(b.store.getPeer(cid, a.nodeId)?.addr).toBe(a.listenAddr);
      expect(a.store.getPeer(cid, b.nodeId)?.addr).toBe(b.listenAddr);
      expect(a.store.getPeer(cid, b.nodeId)?.lastOk).toBe(NOW);
    });

    test("roles reversed: the other side dials", () => {
      const a = makeSide("a", { encrypt });
      const b = makeSide("b", { encrypt });
      const cid = addCircle(a.store, SECRET);
      addCircle(b.store, SECRET);
      insertAll(a.store, makeMessages(SECRET, a.nodeId, 4));
      const r = runExchange(b, a, cid);
      expect(r.client.result.completed && r.server.result.completed).toBe(true);
      expect(r.client.result.stored.length).toBe(4);
      expect(r.server.result.sent).toBe(4);
    });

    test("an original-style side (no ext) still completes, with proto v1 on both ends", () => {
      const a = makeSide("a", { encrypt });
      const b = makeSide("b", { encrypt, ext: false });
      const cid = addCircle(a.store, SECRET);
      addCircle(b.store, SECRET);
      insertAll(a.store, makeMessages(SECRET, a.nodeId, 5));
      for (const [c, s] of [
        [a, b],
        [b, a],
      ] as const) {
        const r = runExchange(c, s, cid);
        expect(r.client.result.proto).toBe("v1");
        expect(r.server.result.proto).toBe("v1");
        expect(r.client.result.completed && r.server.result.completed).toBe(true);
        expect(JSON.parse(r.lines[0]!.line).ext === undefined).toBe(c === b);
      }
      expect(b.store.countMessages(cid)).toBe(5);
    });
  });
}

describe("refusals", () => {
  test('wrong secret: the server answers ERROR "Auth failed", records nothing, stores nothing', () => {
    const a = makeSide("a");
    const b = makeSide("b");
    const cid = addCircle(b.store, SECRET);
    addCircle(a.store, secretFor(43), cid); // same circle_id, wrong secret
    insertAll(
      a.store,
      makeMessages(secretFor(43), a.nodeId, 3).map((m) => ({ ...m, circleId: cid })),
    );
    const r = runExchange(a, b, cid);
    expect(r.server.result.completed).toBe(false);
    expect(r.client.result.completed).toBe(false);
    const last = JSON.parse(r.lines.at(-1)!.line);
    expect(last).toEqual({ t: "ERROR", err: "Auth failed" });
    expect(r.client.abortReason).toContain("Auth failed");
    expect(b.store.listPeers(cid)).toEqual([]);
    expect(b.store.countMessages(cid)).toBe(0);
  });

  test('unknown circle: ERROR "Unknown circle_id" before any CHALLENGE', () => {
    const a = makeSide("a");
    const b = makeSide("b");
    const cid = addCircle(a.store, SECRET);
    addCircle(b.store, secretFor(44));
    const r = runExchange(a, b, cid);
    expect(r.lines.map((l) => JSON.parse(l.line))).toEqual([
      expect.objectContaining({ t: "HELLO" }),
      { t: "ERROR", err: "Unknown circle_id" },
    ]);
    expect(r.client.result.completed).toBe(false);
  });

  test("a tampered encrypted frame ends the connection without storing anything", () => {
    const a = makeSide("a");
    const b = makeSide("b");
    const cid = addCircle(a.store, SECRET);
    addCircle(b.store, SECRET);
    insertAll(a.store, makeMessages(SECRET, a.nodeId, 3));
    let n = 0;
    const r = runExchange(a, b, cid, {
      tamper: (w) => (w.from === "client" && !w.line.startsWith("{") && ++n === 3 ? "A" + w.line.slice(1) : w.line),
    });
    expect(r.server.result.completed).toBe(false);
    expect(r.server.abortReason).toContain("authentication");
    expect(b.store.countMessages(cid)).toBe(0);
  });
});

describe("what a failed exchange leaves behind", () => {
  for (const encrypt of [false, true]) {
    const mode = encrypt ? "encrypted" : "plain";
    test(`messages we sent in an exchange that then died are offered again at once (${mode})`, () => {
      // an original whose own MSGS_SEND is too large answers "Internal error" (in plaintext) and
      // closes without reading ours (PROTOCOL-V1.md §3.8)
      const ours = makeSide("ours", { encrypt });
      const orig = makeSide("orig", { encrypt, ext: false });
      const cid = addCircle(ours.store, SECRET);
      addCircle(orig.store, SECRET);
      insertAll(ours.store, makeMessages(SECRET, ours.nodeId, 5));
      insertAll(orig.store, makeMessages(SECRET, orig.nodeId, 3));
      const n = { client: 0, server: 0 };
      const r = runExchange(ours, orig, cid, {
        tamper: (w) => {
          const i = ++n[w.from]; // client: HELLO, HELLO_AUTH, PEERS, HAVE, REQ, SEND; server: CHALLENGE, WELCOME, PEERS, HAVE, REQ, SEND
          if (i !== 6) return w.line;
          return w.from === "server" ? '{"t":"ERROR","err":"Internal error"}' : null;
        },
      });
      expect(r.client.result.sent).toBe(5);
      expect(r.client.result.completed).toBe(false);
      expect(r.client.abortReason).toContain("Internal error");
      expect(orig.store.countMessages(cid)).toBe(3);
      syncRepeatedly(ours, orig, cid);
      expect(orig.store.countMessages(cid)).toBe(8);
      expect(ours.store.countMessages(cid)).toBe(8);
    });

    test(`if our MSGS_SEND is lost after theirs arrived, the messages are offered again once that knowledge expires (${mode})`, () => {
      const ours = makeSide("ours", { encrypt });
      const other = makeSide("other", { encrypt });
      const cid = addCircle(ours.store, SECRET);
      addCircle(other.store, SECRET);
      insertAll(ours.store, makeMessages(SECRET, ours.nodeId, 5));
      let n = 0;
      const r = runExchange(ours, other, cid, { tamper: (w) => (w.from === "client" && ++n === 6 ? null : w.line) });
      expect(r.client.result.completed).toBe(true); // nothing in v1 tells us they never read it
      expect(other.store.countMessages(cid)).toBe(0);
      syncRepeatedly(ours, other, cid);
      expect(other.store.countMessages(cid)).toBe(0);
      for (const s of [ours, other]) s.advance(31 * 60);
      syncRepeatedly(ours, other, cid);
      expect(other.store.countMessages(cid)).toBe(5);
    });
  }
});

describe("frame limits towards an original-style peer (no ext)", () => {
  for (const encrypt of [false, true]) {
    const limit = encrypt ? V1_ENC_LINE_MAX : V1_PLAIN_LINE_MAX;
    for (const dir of ["we dial", "it dials"] as const) {
      test(`${encrypt ? "encrypted" : "plain"}, ${dir}: every line <= ${limit} bytes while 1,000 long messages move`, () => {
        const ours = makeSide("ours", { encrypt });
        const orig = makeSide("orig", { encrypt, ext: false });
        const cid = addCircle(ours.store, SECRET);
        addCircle(orig.store, SECRET);
        // 500-char texts: ~20 per plain frame; both sides have something the other lacks
        insertAll(ours.store, makeMessages(SECRET, ours.nodeId, 900, { textLen: 500 }));
        insertAll(orig.store, makeMessages(SECRET, orig.nodeId, 100, { textLen: 500 }));
        const runs = syncRepeatedly(ours, orig, cid, {
          roles: () => (dir === "we dial" ? [ours, orig] : [orig, ours]),
        });
        expect(maxLine(runs)).toBeLessThanOrEqual(limit);
        expect(maxLine(runs)).toBeGreaterThan(limit / 2); // frames were actually filled
        expect(runs.length).toBeGreaterThan(5);
        expect(orig.store.countMessages(cid)).toBe(1000);
        expect(ours.store.countMessages(cid)).toBe(1000);
      });
    }
  }
});

describe("large histories", () => {
  test("5,000 messages move between two ext nodes over repeated exchanges", () => {
    const a = makeSide("a");
    const b = makeSide("b");
    const cid = addCircle(a.store, SECRET);
    addCircle(b.store, SECRET);
    insertAll(a.store, makeMessages(SECRET, a.nodeId, 5000, { ts: (i) => NOW - 90 * 86_400 + i * 60, textLen: 100 }));
    const runs = syncRepeatedly(b, a, cid);
    expect(b.store.countMessages(cid)).toBe(5000);
    expect(idsOf(b.store, cid)).toEqual(idsOf(a.store, cid));
    expect(runs.length).toBeGreaterThan(1);
    expect(runs.length).toBeLessThan(10);
    expect(maxLine(runs)).toBeGreaterThan(V1_ENC_LINE_MAX); // the extension is in use
    expect(maxLine(runs)).toBeLessThanOrEqual(EXT_LINE_MAX);
    // messages older than 30 days travel too: ext peers get the whole history
    expect(b.store.getMessages(cid, [...idsOf(a.store, cid)]).some((m) => m.createdTs < NOW - V1_RETENTION_S)).toBe(
      true,
    );
  });

  for (const [label, weDial] of [
    ["the original dials us", false],
    ["we dial the original", true],
  ] as const) {
    for (const encrypt of [false, true]) {
      test(`v1 window only (${label}, ${encrypt ? "encrypted" : "plain"}): the newest 1,000 within 30 days arrive, nothing else`, () => {
        const ours = makeSide("ours", { encrypt });
        const orig = makeSide("orig", { encrypt, ext: false });
        const cid = addCircle(ours.store, SECRET);
        addCircle(orig.store, SECRET);
        const recent = makeMessages(SECRET, ours.nodeId, 1300, { ts: (i) => NOW - 20 * 86_400 + i * 60, tag: "new" });
        const old = makeMessages(SECRET, ours.nodeId, 200, { ts: (i) => NOW - 40 * 86_400 + i * 60, tag: "old" });
        insertAll(ours.store, [...recent, ...old]);
        const runs = syncRepeatedly(ours, orig, cid, { roles: () => (weDial ? [ours, orig] : [orig, ours]) });
        const want = new Set(
          recent
            .sort((x, y) => y.createdTs - x.createdTs)
            .slice(0, V1_MAX_PER_CIRCLE)
            .map((m) => m.msgId),
        );
        expect(idsOf(orig.store, cid)).toEqual(want);
        expect(runs.length).toBeGreaterThan(2);
        expect(maxLine(runs)).toBeLessThanOrEqual(encrypt ? V1_ENC_LINE_MAX : V1_PLAIN_LINE_MAX);
        expect(
          orig.store.getMessages(
            cid,
            old.map((m) => m.msgId),
          ),
        ).toEqual([]);
        if (!encrypt) {
          // nothing outside the window was ever offered: no old id in any MSGS_HAVE of ours
          const ourRole = weDial ? "client" : "server";
          const offered = runs
            .flatMap((r) => r.lines.filter((l) => l.from === ourRole).map((l) => JSON.parse(l.line)))
            .filter((f) => f.t === "MSGS_HAVE")
            .flatMap((f) => f.msg_ids as string[]);
          expect(offered.length).toBeGreaterThan(0);
          const oldIds = new Set(old.map((m) => m.msgId));
          expect(offered.filter((id) => oldIds.has(id))).toEqual([]);
        }
      });
    }
  }
});

describe("W1: a server that answers in plaintext after we asked for encryption", () => {
  test("is refused before PEERS or MSGS_HAVE leave in the clear (an honest server, original or ours, always encrypts then)", () => {
    const a = makeSide("a", { encrypt: true });
    const cid = addCircle(a.store, SECRET);
    insertAll(a.store, makeMessages(SECRET, a.nodeId, 3));
    const ex = V1Exchange.client(a.deps, cid, "127.0.0.1:9");
    const hello = JSON.parse(ex.start().send[0]!);
    expect(hello.nonce).toMatch(/^[0-9a-f]{32}$/);
    // the impostor knows nothing: it sends any nonce, ignores the token, and says enc_ready false
    const afterChallenge = ex.receive(JSON.stringify({ t: "CHALLENGE", nonce: "00".repeat(16) }));
    expect(JSON.parse(afterChallenge.send[0]!).t).toBe("HELLO_AUTH");
    const afterWelcome = ex.receive(
      JSON.stringify({ t: "WELCOME", node_id: "0badc0de0badc0de0badc0de", enc_ready: false, can_anchor: false }),
    );
    expect(afterWelcome.send).toEqual([]);
    expect(afterWelcome.close?.error).toBe(true);
    expect(ex.result.completed).toBe(false);
  });
});
