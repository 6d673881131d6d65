// Reply, reaction, edit and delete against the store rules (docs/PROTOCOL.md §18), on both stores
// (the node's SQLite and the relay-only browser's memory store): honest refs apply; forged,
// replayed, unauthorised or misdirected ones are refused and change nothing; a delete erases the
// target and nothing about it is stored again, whichever order things arrive in.
import { describe, expect, test } from "bun:test";
import { circleIdFromSecret } from "../../src/protocol/ids.ts";
import { orderFields, signMessage } from "../../src/protocol/v2/message.ts";
import {
  clearPayload,
  encodeRefBody,
  FORM_CLEAR,
  KIND_DELETE,
  KIND_EDIT,
  KIND_REACTION,
  KIND_REPLY,
  type RefKind,
} from "../../src/protocol/v2/refs.ts";
import { acceptSigned } from "../../src/sync/v2-apply.ts";
import { composeRef } from "../../src/sync/v2-compose-refs.ts";
import { kickMembers } from "../../src/sync/v2-admin.ts";
import { joinCircle, makeNode, post, type Node, type StoreKind } from "./helpers.ts";

let seed = 500;
function circleOf3(kind: StoreKind) {
  const a = makeNode("alice", ++seed, kind);
  const b = makeNode("bob", ++seed, kind);
  const m = makeNode("mallory", ++seed, kind);
  const cid = joinCircle(a, a);
  joinCircle(b, a);
  joinCircle(m, a);
  return { a, b, m, cid };
}

/** n authors a ref through its own store (the honest path) and returns the signed wire */
function ref(n: Node, cid: string, kind: RefKind, targetId: string, content = "", channelId = "general") {
  n.clock.now += 1;
  const r = composeRef(n.ctx(), {
    circleId: cid,
    channelId,
    displayName: n.name,
    now: n.clock.now,
    rng: n.deps.rng,
    kind,
    targetId,
    content,
  });
  if (!r.ok) throw new Error(r.reason);
  return r.value.signed.wire;
}

/** a ref signed by `signer` (claiming `as`'s key when given) without its own store's rules */
function rawRef(signer: Node, cid: string, kind: RefKind, targetId: string, content: string, as?: Node) {
  signer.clock.now += 1;
  return signMessage(signer.keys.edSecret, {
    circleId: cid,
    channelId: "general",
    authorKey: (as ?? signer).keys.edPublic,
    ...orderFields(signer.clock.now * 1000, 900 + signer.clock.now - 1_800_000_000),
    keyEpoch: 0,
    kind,
    displayName: signer.name,
    body: encodeRefBody({ targetId, form: FORM_CLEAR, payload: clearPayload(content) }),
    salt: signer.deps.rng(16),
  }).wire;
}

const give = (to: Node, cid: string, wire: Uint8Array, origin = "v2") =>
  acceptSigned({ ...to.ctx(), now: to.clock.now + 5 }, to.store.getCircle(cid)!, wire, origin);
const wireOf = (n: Node, id: string) => Uint8Array.from(atob(n.store.getV2Wire(id)!), (c) => c.charCodeAt(0));
const shown = (n: Node, cid: string) => n.store.channelMessages(cid, "general", { limit: 100 }).map((r) => r.text);
const snapshot = (n: Node, cid: string, id: string) => ({
  shown: shown(n, cid),
  refs: n.store.refsTo(cid, [id]).map((r) => r.msgId),
});

for (const kind of ["sqlite", "mem"] as StoreKind[])
  describe(`refs on the ${kind} store`, () => {
    test("honest reply, reaction and edit apply; reactions and edits are not listed as messages", () => {
      const { a, b, cid } = circleOf3(kind);
      const t = post(a, cid, "first line\nsecond");
      expect(give(b, cid, wireOf(a, t.msgId)).ok).toBe(true);
      for (const w of [
        ref(a, cid, KIND_REPLY, t.msgId, "> alice: first line\n\nmy reply"),
        ref(b, cid, KIND_REACTION, t.msgId, "+👍"),
        ref(a, cid, KIND_EDIT, t.msgId, "first line, edited"),
      ])
        expect(give(b, cid, w)).not.toMatchObject({ kind: "reject" });
      expect(shown(b, cid)).toEqual(["first line\nsecond", "> alice: first line\n\nmy reply"]);
      const refs = b.store.refsTo(cid, [t.msgId]);
      expect(refs.map((r) => [r.kind, r.text])).toEqual([
        [KIND_REACTION, "+👍"],
        [KIND_EDIT, "(edit) first line, edited"],
      ]);
      const reply = b.store.channelMessages(cid, "general", { limit: 10 })[1]!;
      expect(reply.kind).toBe(KIND_REPLY);
      expect(reply.targetId).toBe(t.msgId);
    });

    test("a forged author, a replay and an edit by someone else are refused and change nothing", () => {
      const { a, b, m, cid } = circleOf3(kind);
      const t = post(a, cid, "alice's words");
      give(b, cid, wireOf(a, t.msgId));
      give(m, cid, wireOf(a, t.msgId));
      const before = snapshot(b, cid, t.msgId);
      // mallory signs an edit claiming alice's key
      expect(give(b, cid, rawRef(m, cid, KIND_EDIT, t.msgId, "forged", a))).toMatchObject({
        kind: "reject",
        reason: "author signature does not verify",
      });
      // mallory edits alice's message under her own key
      expect(give(b, cid, rawRef(m, cid, KIND_EDIT, t.msgId, "not yours"))).toMatchObject({
        kind: "reject",
        reason: "only the author may edit a message",
      });
      expect(snapshot(b, cid, t.msgId)).toEqual(before);
      // a replayed honest edit is stored once
      const e = ref(a, cid, KIND_EDIT, t.msgId, "v2");
      expect(give(b, cid, e).ok).toBe(true);
      expect(give(b, cid, e)).toMatchObject({ kind: "ignore", reason: "already stored" });
      expect(b.store.refsTo(cid, [t.msgId]).length).toBe(1);
    });

    test("a delete by neither the author nor the owner is refused; the owner may delete anyone's", () => {
      const { a, b, m, cid } = circleOf3(kind);
      b.clock.now += 1;
      const t = post(b, cid, "bob says something");
      give(a, cid, wireOf(b, t.msgId));
      give(m, cid, wireOf(b, t.msgId));
      const before = snapshot(a, cid, t.msgId);
      expect(give(a, cid, rawRef(m, cid, KIND_DELETE, t.msgId, ""))).toMatchObject({
        kind: "reject",
        reason: "only the author or the circle owner may delete a message",
      });
      expect(snapshot(a, cid, t.msgId)).toEqual(before);
      // alice owns the circle: moderation
      const d = ref(a, cid, KIND_DELETE, t.msgId);
      expect(a.store.getMessage(t.msgId)).toMatchObject({ deleted: 1, text: "", mac: null });
      expect(give(b, cid, d).ok).toBe(true);
      expect(b.store.getMessage(t.msgId)).toMatchObject({ deleted: 1, text: "" });
      expect(b.store.getV2Wire(t.msgId)).toBeUndefined();
    });

    test("a reaction from a removed member is refused", () => {
      const { a, b, m, cid } = circleOf3(kind);
      const t = post(a, cid, "before the kick");
      give(m, cid, wireOf(a, t.msgId));
      give(b, cid, wireOf(a, t.msgId));
      const k = kickMembers(a.ctx(), cid, [m.keys.nodeId], { displayName: "alice", now: a.clock.now, rng: a.deps.rng });
      if (!k.ok) throw new Error(k.reason);
      expect(give(b, cid, wireOf(a, k.value.signed.msgId)).ok).toBe(true);
      m.clock.now = a.clock.now + 2;
      expect(give(b, cid, rawRef(m, cid, KIND_REACTION, t.msgId, "+👎"))).toMatchObject({
        kind: "reject",
        reason: "author was removed from the circle",
      });
      expect(b.store.refsTo(cid, [t.msgId])).toEqual([]);
    });

    test("an edit that targets another circle's message is refused", () => {
      const { a, b, cid } = circleOf3(kind);
      const other = "3b".repeat(32);
      const cid2 = circleIdFromSecret(other);
      joinCircle(a, a, { secret: other });
      joinCircle(b, a, { secret: other });
      const x = post(a, cid2, "in the other circle");
      give(b, cid2, wireOf(a, x.msgId));
      expect(give(b, cid, rawRef(a, cid, KIND_EDIT, x.msgId, "moved"))).toMatchObject({
        kind: "reject",
        reason: "target is a message of another circle",
      });
      expect(b.store.refsTo(cid, [x.msgId])).toEqual([]);
      expect(b.store.refsTo(cid2, [x.msgId])).toEqual([]);
    });

    test("after a delete: later refs are ignored, a copy of the message is not stored again", () => {
      const { a, b, cid } = circleOf3(kind);
      const t = post(a, cid, "to be deleted");
      const tw = wireOf(a, t.msgId);
      give(b, cid, tw);
      const edit = ref(a, cid, KIND_EDIT, t.msgId, "edited first");
      give(b, cid, edit);
      const d = ref(a, cid, KIND_DELETE, t.msgId);
      expect(give(b, cid, d).ok).toBe(true);
      // the edit that came before is erased with it
      expect(b.store.refsTo(cid, [t.msgId]).map((r) => r.kind)).toEqual([KIND_DELETE]);
      expect(give(b, cid, tw)).toMatchObject({ kind: "ignore", reason: "deleted" });
      expect(give(b, cid, rawRef(a, cid, KIND_REACTION, t.msgId, "+👍"))).toMatchObject({ kind: "ignore" });
      expect(b.store.getMessage(t.msgId)!.text).toBe("");
      // a node that gets the delete first never stores the message
      const c = makeNode("carol", ++seed, kind);
      joinCircle(c, a);
      expect(give(c, cid, d).ok).toBe(true);
      expect(give(c, cid, tw)).toMatchObject({ kind: "ignore", reason: "deleted" });
      expect(c.store.hasMessage(t.msgId)).toBe(false);
      // an unauthorised delete held first does not stop the message
      const u = post(b, cid, "bob's");
      const c2 = makeNode("dave", ++seed, kind);
      joinCircle(c2, a);
      const mal = makeNode("mal2", ++seed, kind);
      joinCircle(mal, a);
      expect(give(c2, cid, rawRef(mal, cid, KIND_DELETE, u.msgId, "")).ok).toBe(true);
      expect(give(c2, cid, wireOf(b, u.msgId)).ok).toBe(true);
      expect(c2.store.getMessage(u.msgId)!.text).toBe("bob's");
    });
  });
