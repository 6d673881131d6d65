// The peer's actions (src/peer) run against both stores, the node's SQLite one and the
// browser's in-memory one, so a rule can only be right in both or wrong in both. Each owner
// runs on one kind and its members on the other; they exchange what they stored by applying
// each other's rows as they would arrive (signed wires by the v2 path, MAC'd ones by v1).
import { beforeEach, describe, expect, test } from "bun:test";
import { openMemoryDb } from "../../db/client.ts";
import { NodeStore } from "../../db/node-store.ts";
import { fromBase64, fromHex, toHex } from "../../src/protocol/bytes.ts";
import type { AccessMode } from "../../src/protocol/control.ts";
import { decodeInvite } from "../../src/protocol/invite.ts";
import { MAX_TEXT_BYTES } from "../../src/protocol/limits.ts";
import { nodeKeysFromSeed } from "../../src/protocol/v2/keys.ts";
import { CallRegistry } from "../../src/sync/call-registry.ts";
import { storeVerified } from "../../src/sync/merge.ts";
import type { SyncStoreV2 } from "../../src/sync/store.ts";
import { acceptSigned } from "../../src/sync/v2-apply.ts";
import * as act from "../../src/peer/actions.ts";
import * as channels from "../../src/peer/actions-channels.ts";
import { type PeerCtx, v2Ctx } from "../../src/peer/ctx.ts";
import { FelundError } from "../../src/protocol/errors.ts";
import { postV1 } from "../../src/peer/post-v1.ts";
import { sendMessage } from "../../src/peer/send.ts";
import { channelViews, messageView } from "../../src/peer/views.ts";
import { MemStore } from "../../ui/web/src/relay/mem-store.ts";
import "../../ui/web/src/relay/mem-refs.ts"; // MemStore's refsTo and eraseMessage (the browser loads them with the ref rules, which another test file may have installed)
import "../../ui/web/src/relay/mem-remove.ts"; // MemStore's removeCircle (the browser loads it with the leave)
import "../../ui/web/src/relay/mem-v1.ts"; // MemStore's answers to a v1 exchange (the browser loads them with the legacy code)
import "../../ui/web/src/relay/mem-control.ts"; // MemStore's writes of control events, invites and admissions (the browser loads them with their code)
import { NOW, seededRng } from "../sync/helpers.ts";

type Kind = "sqlite" | "mem";
const STORES: Record<Kind, () => SyncStoreV2> = {
  sqlite: () => new NodeStore(openMemoryDb()),
  mem: () => new MemStore(),
};
const otherKind = (k: Kind): Kind => (k === "sqlite" ? "mem" : "sqlite");

const clock = { now: NOW };
let seeds = 0;

function makePeer(kind: Kind, name: string): PeerCtx {
  const seed = ++seeds;
  const keys = nodeKeysFromSeed(seededRng(seed)(32));
  const me = { nodeId: keys.nodeId, displayName: name };
  const ctx: PeerCtx = {
    store: STORES[kind](),
    calls: new CallRegistry(),
    now: () => clock.now,
    rng: seededRng(seed * 31 + 7),
    v2: true,
    keys: () => keys,
    me: () => me,
    invitePeer: () => `127.0.0.1:${9000 + seed}`,
    peerIds: () => [],
    postV1: (c, ch, text) => postV1(ctx, c, ch, text),
  };
  return ctx;
}

/** Every row of a circle, in the order this peer stored them. */
const rowsOf = (p: PeerCtx, circleId: string) =>
  p.store
    .getMessages(circleId, [
      ...new Set([
        ...p.store.offerIds(circleId, {}),
        ...p.store.v2Items(circleId, { maxEpoch: 1e9, legacy: true }).map((i) => i.msgId),
      ]),
    ])
    .sort((a, b) => a.seq - b.seq);

/** Hand `to` every row of the circle `from` holds and it lacks, in the order `from` stored them; what `to` refused. */
function deliver(from: PeerCtx, to: PeerCtx, circleId: string): string[] {
  const refused: string[] = [];
  for (const row of rowsOf(from, circleId)) {
    if (to.store.hasMessage(row.msgId)) continue;
    const circle = to.store.getCircle(circleId)!;
    const wire = from.store.getV2Wire(row.msgId);
    if (wire) {
      const v = acceptSigned(v2Ctx(to), circle, fromBase64(wire), "v2");
      if (!v.ok) refused.push(v.reason);
    } else {
      const { seq: _s, sortTs: _t, origin: _o, receivedAt: _r, signed: _g, ...m } = row;
      storeVerified(to.store, to.calls, m, "v1", to.now());
    }
  }
  return refused;
}
/** Both ways until nothing is new; the clock moves on a second, so what follows is later. */
const exchange = (a: PeerCtx, b: PeerCtx, circleId: string) => {
  deliver(a, b, circleId);
  deliver(b, a, circleId);
  deliver(a, b, circleId);
  clock.now++;
};

/** The FelundError a call throws (fails the test when it throws nothing, or something else). */
function refusal(fn: () => unknown): FelundError {
  try {
    fn();
  } catch (e) {
    if (e instanceof FelundError) return e;
    throw e;
  }
  throw new Error("expected a FelundError");
}

/** The texts of a channel, sorted (two peers store the same rows in different orders). */
const texts = (p: PeerCtx, circleId: string, channelId = "general") =>
  rowsOf(p, circleId)
    .filter((m) => m.channelId === channelId)
    .map((m) => m.text)
    .sort();

/** A member admitted to a v2-only circle as a felund2 admission would (the network part is the shell's). */
function admit(owner: PeerCtx, member: PeerCtx, circleId: string) {
  const c = owner.store.getCircle(circleId)!;
  const r = act.enterAdmitted(
    member,
    {
      secret: fromHex(c.secretHex),
      v2Only: c.mode === "v2",
      epoch: c.keyEpoch,
      epochKey: new Uint8Array(32),
      ownerKey: owner.keys().edPublic,
      name: c.name,
    },
    circleId,
  );
  exchange(owner, member, circleId);
  return r;
}

/** A member of a circle of either kind: felund1 code for a legacy circle, admission for a v2-only one. */
function enter(owner: PeerCtx, member: PeerCtx, circleId: string, legacy: boolean) {
  if (legacy) act.joinCircle(member, { code: act.inviteCode(owner, circleId).code });
  else admit(owner, member, circleId);
  exchange(owner, member, circleId);
}

describe.each(["sqlite", "mem"] as Kind[])("peer actions, owner on %s", (kind) => {
  let alice: PeerCtx;
  let bob: PeerCtx;
  let carol: PeerCtx;
  beforeEach(() => {
    alice = makePeer(kind, "alice");
    bob = makePeer(otherKind(kind), "bob");
    carol = makePeer(otherKind(kind), "carol");
  });

  test("create a v2-only circle: owned, #general, our card and its name; felund2 invites listed and revoked", () => {
    const r = act.createCircle(alice, "  Hikers  ");
    expect(r.legacy).toBe(false);
    expect(alice.store.getCircle(r.circleId)).toMatchObject({ name: "Hikers", owned: true, mode: "v2" });
    expect(alice.store.getCircleOwner(r.circleId)).toBe(toHex(alice.keys().edPublic));
    expect(alice.store.getChannel(r.circleId, "general")).toBeDefined();
    expect(r.rows).toHaveLength(2);
    expect(alice.store.getMemberCard(r.circleId, alice.me().nodeId)?.displayName).toBe("alice");
    const inv = act.inviteCode(alice, r.circleId, { maxUses: 3 });
    expect(inv.code.startsWith("felund2.")).toBe(true);
    expect(inv.invite?.maxUses).toBe(3);
    const id = toHex(inv.invite!.inviteId);
    expect(act.listInvites(alice, r.circleId)).toMatchObject([{ inviteId: id, state: "live", maxUses: 3 }]);
    expect(act.revokeInvite(alice, r.circleId, id.slice(0, 6))).toMatchObject({ inviteId: id, state: "revoked" });
    expect(refusal(() => act.revokeInvite(alice, r.circleId, id))).toMatchObject({ code: "E_CONFLICT", status: 409 });
    expect(refusal(() => act.revokeInvite(alice, r.circleId, "ffff"))).toMatchObject({
      code: "E_NOT_FOUND",
      message: 'no invite "ffff" in this circle',
    });
  });

  test("legacy circle: a felund1 code naming the owner, joined by a peer on the other store; both read both", () => {
    const { circleId, legacy } = act.createCircle(alice, "Old friends", { legacy: true });
    expect(legacy).toBe(true);
    const { code, invite } = act.inviteCode(alice, circleId);
    expect(invite).toBeNull();
    const d = decodeInvite(code);
    expect(d.ok && d.value.owner).toBe(toHex(alice.keys().edPublic));
    expect(refusal(() => act.inviteCode(alice, circleId, { ttlS: 60 })).code).toBe("E_REFUSED");

    const j = act.joinCircle(bob, { code });
    expect(j).toMatchObject({ circleId, created: true, bootstrap: alice.invitePeer() });
    expect(j.rows).toHaveLength(1);
    expect(bob.store.getCircleOwner(circleId)).toBe(toHex(alice.keys().edPublic));
    expect(act.joinCircle(bob, { code })).toMatchObject({ created: false, rows: [] });
    exchange(alice, bob, circleId);
    expect(bob.store.getCircle(circleId)?.name).toBe("Old friends");

    const hi = sendMessage(alice, circleId, "general", "hello from alice");
    sendMessage(bob, circleId, "", "hello from bob");
    exchange(alice, bob, circleId);
    expect(texts(bob, circleId)).toEqual(["hello from alice", "hello from bob"]);
    expect(texts(alice, circleId)).toEqual(["hello from alice", "hello from bob"]);
    const seen = bob.store.getMessages(circleId, [hi.msgId])[0]!;
    expect(messageView(bob.store, seen, () => false)).toMatchObject({ author: "alice", verified: "sig", own: false });
  });

  test("join refusals: a felund2 code, a code of no known kind, a bad secret", () => {
    expect(refusal(() => act.joinCircle(bob, { code: "felund2.AAAA" })).code).toBe("E_REFUSED");
    expect(refusal(() => act.joinCircle(bob, { code: "hello" }))).toMatchObject({
      code: "E_BAD_INVITE",
      message: 'invalid invite code: it must start with "felund2." or "felund1."',
    });
    expect(refusal(() => act.joinCircle(bob, { code: "felund1.!!!" })).code).toBe("E_BAD_INVITE");
    expect(refusal(() => act.joinCircle(bob, { secret: "xyz" })).code).toBe("E_BAD_INPUT");
  });

  test("send: empty, too long, unknown channel and circle, a channel we hold no key for", () => {
    const { circleId } = act.createCircle(alice, "c");
    expect(refusal(() => sendMessage(alice, circleId, "general", "  "))).toMatchObject({
      code: "E_EMPTY",
      status: 400,
      message: "message is empty",
    });
    expect(refusal(() => sendMessage(alice, circleId, "general", "x".repeat(MAX_TEXT_BYTES + 1)))).toMatchObject({
      code: "E_TOO_LONG",
      status: 413,
      message: `message too long (max ${MAX_TEXT_BYTES} bytes)`,
    });
    expect(refusal(() => sendMessage(alice, circleId, "nope", "hi"))).toMatchObject({
      code: "E_UNKNOWN_CHANNEL",
      status: 404,
      message: "unknown channel: #nope (create it first)",
    });
    expect(refusal(() => sendMessage(alice, "ffffffff", "general", "hi")).code).toBe("E_UNKNOWN_CIRCLE");
    channels.createChannel(alice, circleId, "inner", "invite");
    admit(alice, bob, circleId);
    expect(refusal(() => sendMessage(bob, circleId, "inner", "let me in"))).toMatchObject({
      code: "E_NO_KEY",
      status: 403,
      message: "you cannot write in #inner yet: join it with its key, or wait for the owner's approval",
    });
  });

  for (const legacy of [false, true]) {
    const what = legacy ? "legacy" : "v2-only";

    test(`channels of every mode in a ${what} circle: create, join, key, request and approval, leave`, () => {
      const { circleId } = act.createCircle(alice, "ch", { legacy });
      enter(alice, bob, circleId, legacy);
      const create = (name: string, mode: AccessMode, key?: string) => {
        channels.createChannel(alice, circleId, name, mode, key);
        exchange(alice, bob, circleId);
      };
      create("Lobby", "public");
      expect(refusal(() => channels.createChannel(alice, circleId, "lobby")).code).toBe("E_EXISTS");
      expect(refusal(() => channels.createChannel(alice, circleId, "a b")).code).toBe("E_BAD_INPUT");
      expect(refusal(() => channels.createChannel(alice, circleId, "vault", "key")).message).toBe(
        "a key channel needs a key",
      );
      channels.joinChannel(bob, circleId, "lobby");
      sendMessage(bob, circleId, "lobby", "in the lobby");

      create("vault", "key", "correct horse");
      expect(refusal(() => channels.joinChannel(bob, circleId, "vault", "wrong horse"))).toMatchObject({
        code: "E_WRONG_KEY",
        message: "wrong channel key",
      });
      if (!legacy) expect(refusal(() => channels.joinChannel(bob, circleId, "vault")).code).toBe("E_NO_KEY");
      channels.joinChannel(bob, circleId, "vault", "correct horse");
      sendMessage(bob, circleId, "vault", "in the vault");

      create("inner", "invite");
      channels.joinChannel(bob, circleId, "inner");
      exchange(alice, bob, circleId);
      const inner = () => channelViews(alice.store, circleId, alice.me().nodeId).find((c) => c.channelId === "inner")!;
      expect(inner().requests).toEqual([bob.me().nodeId]);
      channels.approveMember(alice, circleId, "inner", "bob");
      exchange(alice, bob, circleId);
      expect(inner().members).toContain(bob.me().nodeId);
      expect(channelViews(bob.store, circleId, bob.me().nodeId).find((c) => c.channelId === "inner")?.joined).toBe(
        true,
      );
      sendMessage(bob, circleId, "inner", "approved");

      channels.leaveChannel(bob, circleId, "lobby");
      expect(refusal(() => channels.leaveChannel(bob, circleId, "general")).code).toBe("E_REFUSED");
      expect(refusal(() => channels.joinChannel(bob, circleId, "nowhere")).code).toBe("E_UNKNOWN_CHANNEL");
      exchange(alice, bob, circleId);
      expect(texts(alice, circleId, "lobby")).toEqual(["in the lobby"]);
      expect(texts(alice, circleId, "vault")).toEqual(["in the vault"]);
      expect(texts(alice, circleId, "inner")).toEqual(["approved"]);
      expect(
        channelViews(alice.store, circleId, alice.me().nodeId).find((c) => c.channelId === "lobby")?.members,
      ).not.toContain(bob.me().nodeId);
    });

    test(`rename a ${what} circle: the owner only`, () => {
      const { circleId } = act.createCircle(alice, "before", { legacy });
      enter(alice, bob, circleId, legacy);
      expect(refusal(() => act.renameCircle(bob, circleId, "mine now"))).toMatchObject({
        code: "E_OWNER_ONLY",
        status: 403,
        message: "only the circle's owner can rename it",
      });
      expect(refusal(() => act.renameCircle(alice, circleId, "   ")).code).toBe("E_EMPTY");
      act.renameCircle(alice, circleId.slice(0, 8), "after");
      exchange(alice, bob, circleId);
      expect(bob.store.getCircle(circleId)?.name).toBe("after");
    });

    test(`kick in a ${what} circle: a new epoch key for the others, none for the kicked member`, () => {
      const { circleId } = act.createCircle(alice, "k", { legacy });
      enter(alice, bob, circleId, legacy);
      enter(alice, carol, circleId, legacy);
      exchange(alice, bob, circleId);
      const inv = legacy ? null : act.inviteCode(alice, circleId).invite;
      expect(refusal(() => act.kickMembers(bob, circleId, ["carol"])).code).toBe("E_OWNER_ONLY");
      expect(refusal(() => act.kickMembers(alice, circleId, ["nobody"])).code).toBe("E_UNKNOWN_MEMBER");
      act.kickMembers(alice, circleId, ["bob"]);
      exchange(alice, bob, circleId);
      exchange(alice, carol, circleId);
      expect(alice.store.getCircle(circleId)).toMatchObject({ keyEpoch: 1, mode: "v2" });
      expect(carol.store.getEpochKey(circleId, 1)).toBe(alice.store.getEpochKey(circleId, 1)!);
      expect(bob.store.getEpochKey(circleId, 1)).toBeUndefined();
      if (inv) expect(act.listInvites(alice, circleId)[0]?.state).toBe("revoked");
      sendMessage(alice, circleId, "general", "after the kick");
      exchange(alice, carol, circleId);
      expect(deliver(alice, bob, circleId)).toEqual(["key epoch this circle does not have"]);
      expect(texts(carol, circleId)).toContain("after the kick");
      expect(texts(bob, circleId)).not.toContain("after the kick");
    });
  }

  test("members by id, prefix or name; ambiguous names refused", () => {
    const { circleId } = act.createCircle(alice, "m");
    admit(alice, bob, circleId);
    admit(alice, carol, circleId);
    bob.me().displayName = "carol";
    exchange(bob, alice, circleId);
    for (const m of act.announceName(bob)) expect(m.circleId).toBe(circleId);
    exchange(alice, bob, circleId);
    expect(refusal(() => act.kickMembers(alice, circleId, ["carol"]))).toMatchObject({
      code: "E_AMBIGUOUS",
      message: '"carol" matches several members; use more of the node id',
    });
    act.kickMembers(alice, circleId, [bob.me().nodeId.slice(0, 10)]);
    exchange(alice, carol, circleId);
    expect(carol.store.removedAt(circleId, bob.me().nodeId)).toBeDefined();
  });
});
