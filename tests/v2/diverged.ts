// Two members of one circle that share a history and each hold messages the other lacks: the
// setting of the reconciliation tests (recon2.test.ts, sketch.test.ts).
import { toHex } from "../../src/protocol/bytes.ts";
import { joinCircle, makeNode, NOW, type Node, post, seededRng } from "./helpers.ts";

/** Two members holding `n` common rows and `aOnly`/`bOnly` (default 5) messages the other lacks. */
export function diverged(
  n: number,
  old: { a?: boolean; b?: boolean; noSketch?: boolean; aOnly?: number; bOnly?: number } = {},
): { a: Node; b: Node; cid: string } {
  const a = makeNode("alice");
  const b = makeNode("bob");
  a.deps.recon1Only = old.a;
  b.deps.recon1Only = old.b;
  // RECON2's own tests look at its ranges: SKETCH (§28) off on both sides
  a.deps.noSketch = b.deps.noSketch = old.noSketch;
  const cid = joinCircle(a, a, { publishCard: false });
  joinCircle(b, a, { publishCard: false });
  for (const s of [a.store, b.store])
    s.transaction(() => {
      const r = seededRng(99);
      for (let i = 0; i < n; i++) {
        const ts = NOW - 86_400 * 30 + i * 250;
        s.insertV2Message(
          {
            msgId: toHex(r(16)),
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
  const aOnly = old.aOnly ?? 5;
  const bOnly = old.bOnly ?? 5;
  for (let i = 0; i < Math.max(aOnly, bOnly); i++) {
    a.clock.now = NOW - 86_400 * 30 + Math.floor((i * 2_500_000) / aOnly) + 7;
    if (i < aOnly) post(a, cid, `a only ${i}`);
    b.clock.now = NOW - 86_400 * 29 + Math.floor((i * 2_250_000) / bOnly) + 11;
    if (i < bOnly) post(b, cid, `b only ${i}`);
  }
  a.clock.now = b.clock.now = NOW;
  return { a, b, cid };
}
