// Bounds on what a member can claim (docs/PROTOCOL.md §8, §11): no v2 message dated before
// v2 existed (1970, 2025), no key epoch the circle does not have (999), and no message from
// a removed member that reaches the relay after the removal, however it is backdated, while
// the removed member's real history still arrives from other members' sessions.
import { describe, expect, test } from "bun:test";
import { fromBase64, fromHex, toHex } from "../../src/protocol/bytes.ts";
import { V2_CREATED_TS_MIN } from "../../src/protocol/limits.ts";
import { openEnvelopeV2, sealEnvelopeV2 } from "../../src/protocol/v2/envelope.ts";
import { decodeMessage, KIND_TEXT, signMessage, type SignedMessage } from "../../src/protocol/v2/message.ts";
import { acceptSigned, epochKey, RELAY_OLDER } from "../../src/sync/v2-apply.ts";
import { RelayEnvelopes } from "../../src/sync/relay-envelopes.ts";
import type { RelayApi } from "../../src/peer/relay/api.ts";
import { fillOlder } from "../../src/peer/relay/older.ts";
import type { OlderHost } from "../../src/peer/relay/sync-types.ts";
import { kickMembers } from "../../src/sync/v2-admin.ts";
import { SECRET, connect, joinCircle, makeNode, post, texts, type Node } from "./helpers.ts";

function circleOf3() {
  const a = makeNode("alice");
  const b = makeNode("bob");
  const m = makeNode("mallory");
  const cid = joinCircle(a, a);
  joinCircle(b, a);
  joinCircle(m, a);
  return { a, b, m, cid };
}

/** A text signed by `n` with whatever time and epoch it likes to claim. */
function forge(n: Node, cid: string, text: string, createdTs: number, keyEpoch = 0): SignedMessage {
  return signMessage(n.keys.edSecret, {
    circleId: cid,
    channelId: "general",
    authorKey: n.keys.edPublic,
    createdTs,
    keyEpoch,
    kind: KIND_TEXT,
    displayName: n.name,
    body: new TextEncoder().encode(text),
    salt: n.deps.rng(16),
  });
}

/** The owner removes `m`: the REKEY it signed (fails the test if refused). */
function kickBy(owner: Node, cid: string, m: Node) {
  const kick = kickMembers(owner.ctx(), cid, [m.keys.nodeId], {
    displayName: owner.name,
    now: owner.clock.now,
    rng: owner.deps.rng,
  });
  if (!kick.ok) throw new Error(kick.reason);
  return kick;
}

const accept = (n: Node, cid: string, wire: Uint8Array, origin: string) =>
  acceptSigned(n.ctx(), n.store.getCircle(cid)!, wire, origin);

/** What a node does with a relay envelope: open it under its epoch key, then the §5 checks. */
function ingest(n: Node, cid: string, env: unknown) {
  const v = openEnvelopeV2(env, {
    secret: fromHex(SECRET),
    circleId: cid,
    keyOf: (e) => epochKey(n.store, n.store.getCircle(cid)!, e),
  });
  return v.ok ? accept(n, cid, v.value.wire, "relay") : v;
}
/** An envelope under the epoch-0 key: anyone who ever was a member can make one. */
const envelope0 = (cid: string, m: SignedMessage, n: Node) =>
  sealEnvelopeV2(
    { secret: fromHex(SECRET), epoch: 0, epochKey: epochKey(n.store, n.store.getCircle(cid)!, 0)!, message: m },
    n.deps.rng(12),
  );

describe("message times", () => {
  test("a member cannot date a message before v2 existed, on any path; from the floor on it is fine", () => {
    const { b, m, cid } = circleOf3();
    for (const ts of [0, 1_000_000_000, V2_CREATED_TS_MIN - 1])
      for (const origin of ["v2", "relay", "local"])
        expect(accept(b, cid, forge(m, cid, `old ${ts}`, ts).wire, origin)).toMatchObject({
          ok: false,
          reason: "created_ts before felund v2 existed",
        });
    expect(accept(b, cid, forge(m, cid, "at the floor", V2_CREATED_TS_MIN).wire, "v2").ok).toBe(true);
    expect(texts(b, cid)).toEqual(["at the floor"]);
  });
});

describe("key epochs", () => {
  test("a message claiming an epoch the circle never had is refused; a real later epoch is taken once its REKEY is known", () => {
    const { a, b, m, cid } = circleOf3();
    for (const e of [1, 999, 2 ** 32 - 1])
      expect(accept(b, cid, forge(m, cid, `epoch ${e}`, b.clock.now, e).wire, "v2")).toMatchObject({
        ok: false,
        reason: "key epoch this circle does not have",
      });
    connect(a, b, cid);
    kickBy(a, cid, m); // (throws if refused)
    const at1 = decodeMessage(fromBase64(a.store.getV2Wire(post(a, cid, "at epoch 1").msgId)!));
    expect(at1.keyEpoch).toBe(1);
    expect(accept(b, cid, at1.wire, "v2")).toMatchObject({ ok: false, reason: "key epoch this circle does not have" });
    connect(b, a, cid); // bob learns the REKEY
    expect(b.store.getCircle(cid)!.keyEpoch).toBe(1);
    expect(accept(b, cid, forge(m, cid, "epoch 2", b.clock.now, 2).wire, "v2").ok).toBe(false);
    connect(b, a, cid);
    expect(texts(b, cid)).toContain("at epoch 1");
  });
});

describe("a removed member backdating through the relay", () => {
  test("refused once the removal is known, whatever the date; real history still comes from members' sessions", () => {
    const { a, b, m, cid } = circleOf3();
    connect(a, b, cid);
    const genuine = post(m, cid, "said before the kick");
    connect(m, a, cid); // alice holds it; bob does not yet
    a.clock.now += 60;
    const kick = kickBy(a, cid, m);
    const removedTs = kick.value.signed.createdTs;
    connect(b, a, cid); // bob learns the removal (and gets the genuine message over the session)
    expect(b.store.removedAt(cid, m.keys.nodeId)).toBe(removedTs);
    expect(texts(b, cid)).toContain("said before the kick");
    // after the kick mallory still has the epoch-0 relay key: she backdates and posts
    m.clock.now = removedTs + 30;
    for (const ts of [removedTs - 1, removedTs - 3600])
      expect(ingest(b, cid, envelope0(cid, forge(m, cid, `backdated ${ts}`, ts), m))).toMatchObject({
        ok: false,
        reason: "removed author's message reached the relay after the removal",
      });
    // dated after the removal: refused on every path, as before
    expect(accept(b, cid, forge(m, cid, "late", removedTs).wire, "v2")).toMatchObject({
      ok: false,
      reason: "author was removed from the circle",
    });
    // her real history: already held is kept ("already stored"), and a member's session still delivers it
    expect(
      ingest(b, cid, envelope0(cid, decodeMessage(fromBase64(m.store.getV2Wire(genuine.msgId)!)), m)),
    ).toMatchObject({ ok: false, reason: "already stored" });
    expect(texts(b, cid).filter((t) => t.startsWith("backdated"))).toEqual([]);
  });

  test("relay order decides for a member who learns the removal from the relay: what was stored before the REKEY is kept, what came after is not", () => {
    const { a, b, m, cid } = circleOf3();
    connect(a, b, cid);
    const genuine = decodeMessage(fromBase64(m.store.getV2Wire(post(m, cid, "real, before the kick").msgId)!));
    a.clock.now += 60;
    const kick = kickBy(a, cid, m);
    const backdated = forge(m, cid, "backdated after the kick", kick.value.signed.createdTs - 10);
    // the relay's order: mallory's real message, alice's REKEY (signed under epoch 0), then mallory's forgery
    for (const x of [genuine, kick.value.signed, backdated]) ingest(b, cid, envelope0(cid, x, a));
    expect(b.store.getCircle(cid)!.keyEpoch).toBe(1);
    expect(texts(b, cid)).toContain("real, before the kick");
    expect(texts(b, cid)).not.toContain("backdated after the kick");
  });
});

describe("a removed member returning as a fresh identity under the old key", () => {
  test("its session and its messages (any date, any path) are refused by members who hold the REKEY; a lagging member of that epoch still catches up", () => {
    const a = makeNode("alice");
    const b = makeNode("bob");
    const c = makeNode("carol");
    const m = makeNode("mallory");
    const cid = joinCircle(a, a);
    for (const n of [b, c, m]) joinCircle(n, a);
    for (const n of [b, c, m]) connect(n, a, cid); // alice holds every card, so the REKEY seals to bob and carol
    const offline = post(c, cid, "carol, written offline before she heard of the kick");
    a.clock.now += 60;
    const kick = kickBy(a, cid, m);
    const kickTs = kick.value.signed.createdTs;
    connect(b, a, cid); // bob learns the REKEY
    expect(b.store.getCircle(cid)!.keyEpoch).toBe(1);
    // mallory keeps the circle secret (and so the epoch-0 key) and signs as someone new
    const fresh = makeNode("not-mallory");
    joinCircle(fresh, a);
    fresh.clock.now = kickTs + 30;
    const conn = connect(fresh, b, cid);
    expect(conn.closed.server?.reason).toBe("peer was not a member of the session's key epoch");
    expect(texts(b, cid).join("|")).not.toContain("not-mallory");
    for (const ts of [kickTs - 3600, kickTs - 1, kickTs + 30]) {
      const f = forge(fresh, cid, `fresh ${ts}`, ts);
      for (const origin of ["v2", "relay"])
        expect(accept(b, cid, f.wire, origin)).toMatchObject({
          ok: false,
          reason: "author was not a member of that key epoch",
        });
      expect(ingest(b, cid, envelope0(cid, f, fresh))).toMatchObject({
        ok: false,
        reason: "author was not a member of that key epoch",
      });
    }
    // carol was a member of epoch 0: her session under it still works, and her offline message arrives
    const back = connect(c, b, cid);
    expect(back.server.result.established).toBe(true);
    expect(back.closed.client?.reason).toBe("rekeyed: reconnect under the new epoch"); // as designed: she reconnects under epoch 1
    expect(texts(b, cid)).toContain("carol, written offline before she heard of the kick");
    expect(b.store.getMessages(cid, [offline.msgId]).length).toBe(1);
    expect(c.store.getCircle(cid)!.keyEpoch).toBe(1); // and she learned the new epoch from bob
  });
});

describe("a removed member backdating through the relay, met by a newest-first fill (§27)", () => {
  /** A page of the relay (oldest first) as GET /v1/messages?before= answers it, from `rows` (seq = index + 1). */
  function fakeRelay(rows: unknown[], pageMax: number) {
    const asked: string[] = [];
    const api = {
      base: "http://relay.test",
      async call(_m: string, path: string) {
        const before = Number(new URLSearchParams(path.split("?")[1]).get("before"));
        asked.push(String(before));
        const below = rows.map((r, i) => ({ r, seq: i + 1 })).filter((x) => x.seq < before);
        const page = below.slice(-pageMax);
        return {
          messages: page.map((x) => x.r),
          more: below.length > page.length,
          before_cursor: page[0]?.seq ?? before,
          next_cursor: page.at(-1)?.seq ?? 0,
        };
      },
    };
    return { api: api as unknown as RelayApi, asked };
  }

  test("a post stored after the REKEY but met before it is not taken; the page is read again below it: a lagging member's post is kept, the forgery is not", async () => {
    const a = makeNode("alice");
    const c = makeNode("carol");
    const m = makeNode("mallory");
    const cid = joinCircle(a, a);
    for (const n of [c, m]) joinCircle(n, a);
    for (const n of [c, m]) connect(n, a, cid); // alice holds every card: the REKEY seals to carol
    const genuine = decodeMessage(fromBase64(m.store.getV2Wire(post(m, cid, "mallory, before the kick").msgId)!));
    const lagging = decodeMessage(fromBase64(c.store.getV2Wire(post(c, cid, "carol, offline at epoch 0").msgId)!));
    a.clock.now += 60;
    const kick = kickBy(a, cid, m);
    const forged = forge(m, cid, "backdated after the kick", kick.value.signed.createdTs - 10);
    const e1 = epochKey(a.store, a.store.getCircle(cid)!, 1)!;
    const newer = Array.from({ length: 6 }, (_, i) => {
      const s = post(a, cid, `alice ${i}`);
      return sealEnvelopeV2(
        {
          secret: fromHex(SECRET),
          epoch: 1,
          epochKey: e1,
          message: decodeMessage(fromBase64(a.store.getV2Wire(s.msgId)!)),
        },
        a.deps.rng(12),
      );
    });
    // the relay's order: mallory's real message, the REKEY, carol's late epoch-0 post, the forgery, alice's newer ones
    const rows = [envelope0(cid, genuine, a), envelope0(cid, kick.value.signed, a), envelope0(cid, lagging, c)];
    rows.push(envelope0(cid, forged, m), ...newer);
    // a joiner admitted at epoch 1 (it holds the key, not yet the REKEY), filling pages of 2 newest first
    const j = makeNode("joiner");
    joinCircle(j, a, { publishCard: false });
    j.store.putEpochKey(cid, 1, toHex(e1), j.clock.now);
    j.store.setCircleEpoch(cid, 1);
    const env = new RelayEnvelopes(cid, fromHex(SECRET));
    let cursor = String(rows.length + 1);
    const host: OlderHost = {
      at: () => cursor,
      save: (_b, _c, before) => void (cursor = before),
      ingest: async (_c, raws, _t, again) => {
        const was = env.notYet;
        env.open({ ctx: j.ctx(), origin: again ? "relay" : RELAY_OLDER, v1: null }, raws);
        return { written: Promise.resolve(), notYet: env.notYet - was };
      },
    };
    const relay = fakeRelay(rows, 2);
    await fillOlder(relay.api, "h", cid, host, () => true);
    expect(j.store.getCircle(cid)!.keyEpoch).toBe(1);
    expect(j.store.removedAt(cid, m.keys.nodeId)).toBeDefined();
    const t = texts(j, cid);
    expect(t).toContain("carol, offline at epoch 0"); // judged once the REKEY was stored: a member of epoch 0
    expect(t).not.toContain("backdated after the kick"); // stored after the REKEY: refused as a forward pull would
    // her real one (its page: her post, then the REKEY) is judged once the removal is known, so refused from the
    // relay path, as §27 says of the newest-first fill (a member's session still brings it)
    expect(t).not.toContain("mallory, before the kick");
    expect(t).toContain("alice 5");
    expect(env.notYet).toBe(3); // carol's post and the forgery, met in the page above the REKEY's, and mallory's
    expect(cursor).toBe(""); // done, after reading those pages again
    // pages asked: newest first below the start, then the two read again
    expect(relay.asked).toEqual(["11", "9", "7", "5", "3", "5", "3"]);
  });
});
