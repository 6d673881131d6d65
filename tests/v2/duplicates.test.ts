// A copy of a message this node holds already costs no signature check (issue 17: flooding
// brings most messages from several neighbours; each copy was verified again before, ~70 µs
// native and ~700 µs in the browser). The copy is still ignored as "already stored", and a
// message that is not held is checked as before.
import { afterEach, expect, test } from "bun:test";
import { fromBase64 } from "../../src/protocol/bytes.ts";
import { noblePrimitives, usePrimitives } from "../../src/protocol/primitives.ts";
import { acceptSigned } from "../../src/sync/v2-apply.ts";
import { joinCircle, makeNode, post } from "./helpers.ts";

let verifies = 0;
afterEach(() => usePrimitives(noblePrimitives));
const counting = () =>
  usePrimitives({
    edVerify: (sig, msg, pub) => {
      verifies++;
      return noblePrimitives.edVerify(sig, msg, pub);
    },
  });

test("a held message's copy is ignored without a signature check; a new one is checked", () => {
  const a = makeNode("alice");
  const b = makeNode("bob");
  const cid = joinCircle(a, a, { publishCard: false });
  joinCircle(b, a, { publishCard: false });
  const m = post(a, cid, "hello");
  const wire = fromBase64(a.store.getV2Wire(m.msgId)!);
  counting();
  verifies = 0;
  const first = acceptSigned(b.ctx(), b.store.getCircle(cid)!, wire, "v2");
  expect(first).toMatchObject({ ok: true });
  expect(verifies).toBe(1);
  const again = acceptSigned(b.ctx(), b.store.getCircle(cid)!, wire, "v2");
  expect(again).toMatchObject({ ok: false, kind: "ignore", reason: "already stored" });
  expect(verifies).toBe(1);
  // a tampered signature on a message not held is still refused
  const m2 = post(a, cid, "second");
  const w2 = fromBase64(a.store.getV2Wire(m2.msgId)!);
  w2[w2.length - 1] ^= 1;
  verifies = 0;
  const bad = acceptSigned(b.ctx(), b.store.getCircle(cid)!, w2, "v2");
  expect(bad).toMatchObject({ ok: false, kind: "reject", reason: "author signature does not verify" });
  expect(verifies).toBe(1);
});
