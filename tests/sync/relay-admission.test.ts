// felund2 admission through a relay's /v1/signal (src/sync/relay-admission.ts), against an
// in-memory stand-in for the relay: the owner admits, duplicated lines are dropped, the use
// limit and expiry hold, bounds (lines per session, new sessions per poll, stale HELLOs), and a
// joiner takes an ADMIT only from the code's owner.
import { describe, expect, test } from "bun:test";
import { toHex } from "../../src/protocol/bytes.ts";
import { circleIdFromSecret } from "../../src/protocol/ids.ts";
import * as L from "../../src/protocol/limits.ts";
import { decodeInvite2 } from "../../src/protocol/v2/invite.ts";
import { nodeKeysFromSeed, type NodeKeys } from "../../src/protocol/v2/keys.ts";
import { CallRegistry, ensureGeneral } from "../../src/sync/control-apply.ts";
import {
  ADMISSION_SIGNAL,
  AdmissionIssuer,
  AdmissionJoiner,
  joinViaRelay,
  pollAdmissions,
  type SignalIo,
  type SignalPost,
  type SignalRow,
} from "../../src/sync/relay-admission.ts";
import { issueInvite, kickMembers } from "../../src/sync/v2-admin.ts";
import type { V2Deps } from "../../src/sync/v2-exchange.ts";
import { openMemoryDb } from "../../db/client.ts";
import { NodeStore } from "../../db/node-store.ts";

let seed = 1;
const rng = (n: number) => crypto.getRandomValues(new Uint8Array(n));
const NOW = 1_800_000_000;

function party(): { keys: NodeKeys; store: NodeStore; deps: (now?: number) => V2Deps } {
  const keys = nodeKeysFromSeed(new Uint8Array(32).fill(seed++));
  const store = new NodeStore(openMemoryDb());
  const calls = new CallRegistry();
  return {
    keys,
    store,
    deps: (now = NOW) => ({
      store,
      calls,
      now: () => now,
      rng,
      self: { keys, listenAddr: null, isSelfAddr: () => false },
    }),
  };
}

/** An owner with a v2-only circle and a felund2 code naming a relay. */
function owner(opts: { maxUses?: number; ttlS?: number } = {}) {
  const o = party();
  const secretHex = toHex(rng(32));
  const circleId = circleIdFromSecret(secretHex);
  o.store.addCircle({
    circleId,
    secretHex,
    name: "club",
    owned: true,
    bootstrap: "",
    mode: "v2",
    keyEpoch: 0,
    joinedAt: NOW,
  });
  o.store.setCircleOwner(circleId, toHex(o.keys.edPublic));
  ensureGeneral(o.store, circleId, NOW);
  const r = issueInvite({ store: o.store, calls: new CallRegistry(), self: o.keys, now: NOW }, circleId, {
    peer: "http://relay.test",
    now: NOW,
    rng,
    ...opts,
  });
  if (!r.ok) throw new Error(r.reason);
  return { ...o, circleId, code: r.value.code, invite: r.value.invite };
}

/** The relay's /v1/signal in memory: ascending ids, filtered as the relay does. */
class FakeRelay {
  rows: (SignalRow & { to: string })[] = [];
  serverTime = NOW;
  dupes = false;
  /** an attacker reading every post: the rows it adds right after each one */
  inject: ((s: SignalPost) => SignalPost[]) | null = null;
  private add(s: SignalPost): void {
    this.rows.push({
      id: this.rows.length + 1,
      session_id: s.session_id,
      from_node: s.from_node_id,
      to: s.to_node_id,
      type: s.type,
      payload: s.payload,
      created_at: this.serverTime,
    });
  }
  io(nowMs = () => NOW * 1000): SignalIo {
    return {
      post: async (s: SignalPost) => {
        for (let i = 0; i < (this.dupes ? 2 : 1); i++) this.add(s);
        for (const x of this.inject?.(s) ?? []) this.add(x);
      },
      list: async (q) => ({
        signals: this.rows
          .filter((r) => r.to === q.toNodeId && r.id > q.sinceId && (!q.sessionId || r.session_id === q.sessionId))
          .slice(0, L.RELAY_SIGNAL_PAGE_MAX),
        serverTime: this.serverTime,
      }),
      sleep: async () => {},
      nowMs,
    };
  }
}

/** Run a join while the owner polls in the background. */
async function join(relay: FakeRelay, o: ReturnType<typeof owner>, joinerDeps: V2Deps, code = o.code, ownerNow = NOW) {
  const issuer = new AdmissionIssuer(o.keys.nodeId, () => o.deps(ownerNow));
  let done = false;
  const polling = (async () => {
    while (!done) {
      await pollAdmissions(relay.io(), issuer);
      await Bun.sleep(1);
    }
  })();
  const inv = decodeInvite2(code, NOW);
  if (!inv.ok) throw new Error(inv.reason);
  let t = NOW * 1000;
  const io = { ...relay.io(() => (t += 50)), sleep: () => Bun.sleep(1) };
  const r = await joinViaRelay(io, joinerDeps, inv.value);
  done = true;
  await polling;
  return r;
}

describe("felund2 admission through a relay", () => {
  test("the owner admits a joiner; every line posted twice changes nothing", async () => {
    const relay = new FakeRelay();
    relay.dupes = true;
    const o = owner();
    const j = party();
    const r = await join(relay, o, j.deps());
    if (!r.ok) throw new Error(r.reason);
    expect(circleIdFromSecret(toHex(r.value.secret))).toBe(o.circleId);
    expect([r.value.v2Only, r.value.name, toHex(r.value.ownerKey)]).toEqual([true, "club", toHex(o.keys.edPublic)]);
    expect(o.store.getInvite(toHex(o.invite.inviteId))!.uses).toBe(1);
    // what went over the relay: felund-v2 lines, joiner under a throwaway id (never its node_id)
    expect(relay.rows.every((x) => x.type === ADMISSION_SIGNAL && x.session_id.startsWith("adm:"))).toBe(true);
    expect(relay.rows.some((x) => x.from_node === j.keys.nodeId || x.to === j.keys.nodeId)).toBe(false);
    expect(relay.rows.filter((x) => x.from_node === o.keys.nodeId).length).toBe(2 * 3);
  });

  test("the use limit and the owner's clock decide", async () => {
    const o = owner({ maxUses: 1 });
    const a = party();
    expect((await join(new FakeRelay(), o, a.deps())).ok).toBe(true);
    // the same joiner again costs no use
    expect((await join(new FakeRelay(), o, a.deps())).ok).toBe(true);
    const b = await join(new FakeRelay(), o, party().deps());
    expect(b.ok ? "" : b.reason).toBe("invite used up");
    const o2 = owner({ ttlS: 3600 });
    const late = await join(new FakeRelay(), o2, party().deps(), o2.code, NOW + 7200);
    expect(late.ok ? "" : late.reason).toBe("invite expired");
  });

  test("a kicked member redeems his old code under a fresh identity through the relay: refused, no epoch key", async () => {
    const o = owner(); // default code: unlimited uses
    const m = party();
    const first = await join(new FakeRelay(), o, m.deps());
    if (!first.ok) throw new Error(first.reason);
    const k = kickMembers(
      { store: o.store, calls: new CallRegistry(), self: o.keys, now: NOW },
      o.circleId,
      [m.keys.nodeId],
      { displayName: "o", now: NOW, rng },
    );
    if (!k.ok) throw new Error(k.reason);
    expect(o.store.getCircle(o.circleId)!.keyEpoch).toBe(1);
    const relay = new FakeRelay();
    const again = await join(relay, o, party().deps());
    expect(again.ok ? "" : again.reason).toBe("invite revoked");
    // the owner's answers: its handshake line, then the refusal; no ADMIT (so no secret, no epoch key) went out
    expect(relay.rows.filter((x) => x.from_node === o.keys.nodeId).length).toBe(2);
    expect(o.store.getInvite(toHex(o.invite.inviteId))).toMatchObject({ uses: 1, revokedTs: NOW });
    // the kicked identity itself is refused too (a removed peer fails the handshake)
    const old = await join(new FakeRelay(), o, m.deps());
    expect(old.ok).toBe(false);
  });

  test("an ADMIT from anyone but the code's owner is refused, even sent under the owner's id", async () => {
    const o = owner();
    // an impostor holding the same invite record and circle (e.g. an old copy of the owner's store)
    const imp = party();
    imp.store.addCircle({ ...o.store.getCircle(o.circleId)!, owned: false });
    imp.store.setCircleOwner(o.circleId, toHex(o.keys.edPublic));
    imp.store.putInvite(o.store.getInvite(toHex(o.invite.inviteId))!);
    const relay = new FakeRelay();
    const issuer = new AdmissionIssuer(o.keys.nodeId, () => imp.deps()); // answers as the owner's node id
    const inv = decodeInvite2(o.code, NOW);
    if (!inv.ok) throw new Error(inv.reason);
    const joiner = new AdmissionJoiner(party().deps(), inv.value);
    const io = relay.io();
    for (const p of joiner.start()) await io.post(p);
    for (let i = 0; i < 4 && !joiner.done; i++) {
      await pollAdmissions(io, issuer);
      for (const p of joiner.receive(
        (await io.list({ toNodeId: joiner.replyId, sinceId: joiner.cursor, sessionId: joiner.sessionId })).signals,
      ))
        await io.post(p);
    }
    const r = joiner.result();
    expect(r.ok ? "" : r.reason).toBe("admitted by a node that is not the circle's owner");
  });

  test("bounds: sessions must open with a join HELLO, stale HELLOs and extra lines are ignored, new sessions per poll are capped", async () => {
    const o = owner();
    const issuer = new AdmissionIssuer(o.keys.nodeId, () => o.deps());
    const row = (id: number, session: string, payload: string, createdAt = NOW): SignalRow => ({
      id,
      session_id: session,
      from_node: "f".repeat(24),
      type: ADMISSION_SIGNAL,
      payload,
      created_at: createdAt,
    });
    const hello = () => {
      const inv = decodeInvite2(o.code, NOW);
      if (!inv.ok) throw new Error(inv.reason);
      return new AdmissionJoiner(party().deps(), inv.value).start()[0]!.payload;
    };
    // not a join: a plain HELLO, garbage, another signal type
    let out = issuer.receive(
      [
        row(1, "adm:1", JSON.stringify({ t: "HELLO", node_id: "a".repeat(24), circle_id: "b".repeat(24) })),
        row(2, "adm:2", "{oops"),
        { ...row(3, "adm:3", hello()), type: "offer" },
      ],
      NOW * 1000,
      NOW,
    );
    expect(out.posts).toEqual([]);
    expect(issuer.active).toBe(0);
    // stale
    out = issuer.receive([row(4, "adm:4", hello(), NOW - L.V2_RELAY_ADMISSION_S - 1)], NOW * 1000, NOW);
    expect(out.posts).toEqual([]);
    // a fresh one is answered (V2_HS); junk lines after it are dropped (they do not verify) and the session goes on
    out = issuer.receive([row(5, "adm:5", hello()), row(6, "adm:5", "x1"), row(7, "adm:5", "x2")], NOW * 1000, NOW);
    expect(out.posts.map((p) => JSON.parse(p.payload).t)).toEqual(["V2_HS"]);
    expect(out.ended).toEqual([]);
    expect(issuer.active).toBe(1);
    issuer.expire((NOW + L.V2_RELAY_ADMISSION_S + 1) * 1000);
    expect(issuer.active).toBe(0);
    // 20 HELLOs at once: at most V2_RELAY_ADMISSION_NEW_PER_POLL start
    out = issuer.receive(
      Array.from({ length: 20 }, (_, i) => row(10 + i, `adm:x${i}`, hello())),
      NOW * 1000,
      NOW,
    );
    expect(out.posts.length).toBe(L.V2_RELAY_ADMISSION_NEW_PER_POLL);
    expect(issuer.active).toBe(L.V2_RELAY_ADMISSION_NEW_PER_POLL);
    expect(issuer.cursor).toBe(29);
    // and they time out
    issuer.expire((NOW + L.V2_RELAY_ADMISSION_S + 1) * 1000);
    expect(issuer.active).toBe(0);
  });
});

describe("junk posted into a join by a poller of /v1/signal (issue 12, item 5)", () => {
  /** Lines that fail to open or verify, as an attacker reading the session would post them. */
  const junkLines = (real: string) => [
    "junk",
    JSON.stringify({ t: "ERROR", err: "Auth failed" }),
    JSON.stringify({ t: "V2_AUTH" }),
    Buffer.from(crypto.getRandomValues(new Uint8Array(80))).toString("base64"),
    real.startsWith("{")
      ? real.replace(/"[0-9a-f]{8}/, (m) => `"${m[1] === "0" ? "1" : "0"}${m.slice(2)}`)
      : real.slice(0, -4) + "AAAA",
  ];

  test("junk under both parties' ids, before and after every real line: the join succeeds (was: 3 of 3 failed)", async () => {
    for (let run = 0; run < 3; run++) {
      const relay = new FakeRelay();
      const o = owner();
      // every line either side posts is followed by junk to the other side, sent under the poster's id
      relay.inject = (s) => [
        ...junkLines(s.payload).map((payload) => ({ ...s, payload })),
        // and junk to the poster itself, as if the other side had answered
        ...junkLines(s.payload).map((payload) => ({
          ...s,
          from_node_id: s.to_node_id,
          to_node_id: s.from_node_id,
          payload,
        })),
      ];
      const r = await join(relay, o, party().deps());
      if (!r.ok) throw new Error(`run ${run}: ${r.reason}`);
      expect(circleIdFromSecret(toHex(r.value.secret))).toBe(o.circleId);
      expect(o.store.getInvite(toHex(o.invite.inviteId))!.uses).toBe(1);
    }
  });

  test("the joiner drops what does not verify and changes nothing; the real answer still completes it", async () => {
    const o = owner();
    const relay = new FakeRelay();
    const inv = decodeInvite2(o.code, NOW);
    if (!inv.ok) throw new Error(inv.reason);
    const joiner = new AdmissionJoiner(party().deps(), inv.value);
    const issuer = new AdmissionIssuer(o.keys.nodeId, () => o.deps());
    const io = relay.io();
    for (const p of joiner.start()) await io.post(p);
    // forged answers arrive first
    const forged = junkLines(JSON.stringify({ t: "V2_HS", x: "00000000" })).map((payload, i) => ({
      id: 1000 + i,
      session_id: joiner.sessionId,
      from_node: joiner.ownerId,
      type: ADMISSION_SIGNAL,
      payload,
      created_at: NOW,
    }));
    expect(joiner.receive(forged)).toEqual([]);
    expect(joiner.done).toBe(false);
    expect(joiner.dropped).toBe(forged.length);
    expect(joiner.unverifiedError).toBe("Auth failed");
    // then the real exchange
    for (let i = 0; i < 4 && !joiner.done; i++) {
      await pollAdmissions(io, issuer);
      for (const p of joiner.receive(
        (await io.list({ toNodeId: joiner.replyId, sinceId: 0, sessionId: joiner.sessionId })).signals,
      ))
        await io.post(p);
    }
    const r = joiner.result();
    expect(r.ok).toBe(true);
    expect(joiner.unverifiedError).toBe("");
  });

  test("a real refusal before the handshake (an unknown invite) still ends the join, after the grace time", async () => {
    const o = owner();
    const other = owner(); // its code names a key whose node (here: o's store) has no such invite
    const relay = new FakeRelay();
    const issuer = new AdmissionIssuer(other.keys.nodeId, () => o.deps());
    let done = false;
    const polling = (async () => {
      while (!done) {
        await pollAdmissions(relay.io(), issuer);
        await Bun.sleep(1);
      }
    })();
    const inv = decodeInvite2(other.code, NOW);
    if (!inv.ok) throw new Error(inv.reason);
    let t = NOW * 1000;
    const r = await joinViaRelay(
      { ...relay.io(() => (t += 50)), sleep: () => Bun.sleep(1) },
      party().deps(),
      inv.value,
    );
    done = true;
    await polling;
    expect(r.ok ? "" : r.reason).toBe("peer error: Unknown circle_id (unverified)");
    expect(t - NOW * 1000).toBeLessThan(L.V2_RELAY_ADMISSION_S * 1000); // the grace, not the whole deadline
  });

  test("tries are bounded per poll: a flood of V2_AUTH-shaped junk is worked through in slices, and the join still succeeds", async () => {
    const o = owner();
    const relay = new FakeRelay();
    const shapedJunk = (i: number) =>
      JSON.stringify({
        t: "V2_AUTH",
        box: Buffer.from(crypto.getRandomValues(new Uint8Array(120 + i))).toString("base64"),
      });
    // 60 junk V2_AUTHs to the owner right after the joiner's HELLO, before its real V2_AUTH
    relay.inject = (s) =>
      s.payload.startsWith('{"t":"HELLO"')
        ? Array.from({ length: 60 }, (_, i) => ({ ...s, payload: shapedJunk(i) }))
        : [];
    const issuer = new AdmissionIssuer(o.keys.nodeId, () => o.deps());
    const inv = decodeInvite2(o.code, NOW);
    if (!inv.ok) throw new Error(inv.reason);
    const joiner = new AdmissionJoiner(party().deps(), inv.value);
    const io = relay.io();
    for (const p of joiner.start()) await io.post(p);
    let slices = 0;
    for (let i = 0; i < 20 && !joiner.done; i++) {
      const before = issuer.cursor;
      const r = await io.list({ toNodeId: o.keys.nodeId, sinceId: issuer.cursor });
      const out = issuer.receive(r.signals, NOW * 1000, NOW);
      if (out.more) {
        slices++;
        expect(issuer.cursor - before).toBeLessThanOrEqual(L.V2_RELAY_ADMISSION_TRIALS_PER_POLL + 1); // HELLO + the tries
      }
      for (const p of out.posts) await io.post(p);
      for (const p of joiner.receive(
        (await io.list({ toNodeId: joiner.replyId, sinceId: joiner.cursor, sessionId: joiner.sessionId })).signals,
      ))
        await io.post(p);
    }
    expect(slices).toBeGreaterThanOrEqual(3);
    expect(joiner.result().ok).toBe(true);
  });
});
