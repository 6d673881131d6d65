// Direct messages on apply (docs/PROTOCOL.md §21), over both stores: the two members read them,
// a third member stores and relays them but holds only ciphertext (read from its SQLite file),
// a DM written by anyone but the two is refused on every node, a member removed by a rekey gets
// no new DMs, and legacy circles have none.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDb } from "../../db/client.ts";
import { NodeStore } from "../../db/node-store.ts";
import { fromBase64 } from "../../src/protocol/bytes.ts";
import { dmChannelId, dmKey } from "../../src/protocol/v2/dm.ts";
import { sealDm } from "../../src/protocol/v2/dm-seal.ts";
import { decodeMessage, signMessage } from "../../src/protocol/v2/message.ts";
import { kickMembers } from "../../src/sync/v2-admin.ts";
import { acceptSigned } from "../../src/sync/v2-apply.ts";
import { useDmRules } from "../../src/sync/dm.ts";
import { composeDm } from "../../src/sync/dm-send.ts";
import { connect, joinCircle, makeNode, type Node, post, type StoreKind } from "./helpers.ts";

useDmRules(); // what the node does at start

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** What sendDm does (src/peer/dm.ts): seal to the other member, then sign and apply as kind 8. */
function dm(from: Node, to: Node, cid: string, text: string) {
  const channelId = dmChannelId(cid, from.keys.nodeId, to.keys.nodeId);
  return composeDm(from.ctx(), {
    circleId: cid,
    channelId,
    displayName: from.name,
    now: from.clock.now,
    rng: from.deps.rng,
    text,
  });
}

/** alice owns the circle; bob and carol are members; everyone holds everyone's card. */
function circleOf3(kind: StoreKind, opts: { mode?: "v1" | "v2"; carolDb?: ReturnType<typeof openDb> } = {}) {
  const a = makeNode("alice", 401, kind);
  const b = makeNode("bob", 402, kind);
  const c = makeNode("carol", 403, kind);
  if (opts.carolDb) c.store = new NodeStore(opts.carolDb);
  c.deps.store = c.store;
  const cid = joinCircle(a, a, { mode: opts.mode });
  joinCircle(b, a, { mode: opts.mode });
  joinCircle(c, a, { mode: opts.mode });
  connect(b, a, cid);
  connect(c, a, cid);
  connect(b, a, cid);
  return { a, b, c, cid };
}

const rows = (n: Node, cid: string, channelId: string) =>
  n.store.channelMessages(cid, channelId, { limit: 100 }).map((m) => m.text);

for (const kind of ["sqlite", "mem"] as const)
  describe(`direct messages (${kind} store)`, () => {
    test("the two members read it; the third stores and relays it without reading", () => {
      const { a, b, c, cid } = circleOf3(kind);
      const r = dm(a, b, cid, "psst, bob");
      if (!r.ok) throw new Error(r.reason);
      expect(r.value.signed.kind).toBe(8);
      const ch = dmChannelId(cid, a.keys.nodeId, b.keys.nodeId);
      expect(r.value.row.text).toBe("psst, bob");
      // carol gets it first (from alice), and bob gets it only through carol
      connect(c, a, cid);
      expect(rows(c, cid, ch)).toEqual([""]);
      expect(c.store.getV2Wire(r.value.row.msgId)).toBeDefined();
      connect(b, c, cid);
      expect(rows(b, cid, ch)).toEqual(["psst, bob"]);
      // and back: bob answers in the same conversation
      const back = dm(b, a, cid, "hi alice");
      if (!back.ok) throw new Error(back.reason);
      expect(back.value.row.channelId).toBe(ch);
      connect(a, b, cid);
      expect(rows(a, cid, ch)).toEqual(["psst, bob", "hi alice"]);
      // not a channel: nobody lists it among channels
      for (const n of [a, b, c]) expect(n.store.listChannels(cid).map((x) => x.channelId)).not.toContain(ch);
    });

    test("a DM forged by a third member into the pair's conversation is refused on every node", () => {
      const { a, b, c, cid } = circleOf3(kind);
      const ch = dmChannelId(cid, a.keys.nodeId, b.keys.nodeId);
      // carol seals to bob under her own pairwise key, but claims alice and bob's channel
      const k = dmKey(c.keys.xSecret, b.keys.xPublic, cid, c.keys.nodeId, b.keys.nodeId)!;
      const forged = signMessage(c.keys.edSecret, {
        circleId: cid,
        channelId: ch,
        authorKey: c.keys.edPublic,
        createdTs: c.clock.now,
        createdMs: c.clock.now * 1000,
        authorSeq: 50,
        keyEpoch: 0,
        kind: 8,
        displayName: "alice",
        body: sealDm(k, { circleId: cid, author: c.keys.nodeId, to: b.keys.nodeId, text: "forged" }, c.deps.rng(12)),
        salt: c.deps.rng(16),
      });
      for (const n of [a, b, c])
        expect(acceptSigned(n.ctx(), n.store.getCircle(cid)!, forged.wire, "v2")).toMatchObject({
          ok: false,
          reason: "only the two members of a direct message may write it",
        });
      expect(rows(b, cid, ch)).toEqual([]);
    });

    test("a member removed by a rekey receives no new DM; legacy circles have none", () => {
      const { a, b, c, cid } = circleOf3(kind);
      const kick = kickMembers(a.ctx(), cid, [c.keys.nodeId], {
        displayName: "alice",
        now: a.clock.now,
        rng: a.deps.rng,
      });
      if (!kick.ok) throw new Error(kick.reason);
      expect(dm(a, c, cid, "still there?")).toMatchObject({
        ok: false,
        reason: "recipient was removed from the circle",
      });
      // bob has not heard of the kick yet: his DM to carol is refused by alice, who has
      const late = dm(b, c, cid, "to carol");
      if (!late.ok) throw new Error(late.reason);
      const w = decodeMessage(fromBase64(b.store.getV2Wire(late.value.row.msgId)!)).wire;
      expect(acceptSigned(a.ctx(), a.store.getCircle(cid)!, w, "v2")).toMatchObject({
        ok: false,
        reason: "recipient was removed from the circle",
      });
      const legacy = circleOf3(kind, { mode: "v1" });
      expect(dm(legacy.a, legacy.b, legacy.cid, "hi")).toMatchObject({
        ok: false,
        reason: "direct messages need a v2-only circle",
      });
      post(legacy.a, legacy.cid, "plain messages still go");
    });
  });

test("the third member's database file holds the DM's ciphertext, never its text", () => {
  const dir = mkdtempSync(join(tmpdir(), "felund-dm-"));
  dirs.push(dir);
  const file = join(dir, "carol.db");
  const db = openDb(file);
  const { a, b, c, cid } = circleOf3("sqlite", { carolDb: db });
  const secret = "the-pass-phrase-is-swordfish-7731";
  const r = dm(a, b, cid, secret);
  if (!r.ok) throw new Error(r.reason);
  connect(c, a, cid);
  expect(c.store.getV2Wire(r.value.row.msgId)).toBeDefined();
  db.$client.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  const onDisk = [file, `${file}-wal`].map((f) => {
    try {
      return readFileSync(f).toString("latin1");
    } catch {
      return "";
    }
  });
  expect(onDisk[0]!.length).toBeGreaterThan(0);
  // the signed wire is stored (base64 in v2_wire), and neither it nor the text column holds the words
  const wire = c.store.getV2Wire(r.value.row.msgId)!;
  expect(Buffer.from(wire, "base64").toString("latin1")).not.toContain(secret);
  for (const bytes of onDisk) expect(bytes).not.toContain(secret);
  expect(rows(c, cid, r.value.row.channelId)).toEqual([""]);
  // bob, who syncs from carol, reads it
  connect(b, c, cid);
  expect(rows(b, cid, r.value.row.channelId)).toEqual([secret]);
});

test("docs/PROTOCOL.md §21 quotes the vector file's values", () => {
  const doc = readFileSync(new URL("../../docs/PROTOCOL.md", import.meta.url), "utf8");
  const s21 = doc.slice(doc.indexOf("## 21. Direct messages"));
  const v = JSON.parse(readFileSync(new URL("../vectors/v2-dm.json", import.meta.url), "utf8")).valid[0];
  for (const x of [v.circle_id, v.nonce, v.expect.channel_id, v.expect.key, v.expect.msg_id, v.expect.author_node_id])
    expect(s21).toContain(x);
  expect(s21).toContain(v.expect.body_hex.slice(-6));
  for (const bad of JSON.parse(readFileSync(new URL("../vectors/v2-dm.json", import.meta.url), "utf8")).invalid)
    if (!bad.reason.startsWith("dm body:")) expect(s21).toContain(bad.reason);
});
