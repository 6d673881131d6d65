// felund2 invites end to end: the issuer admits a joiner over a ticket-keyed v2 handshake,
// counts uses, refuses when used up or expired; a wrong ticket learns nothing.
import { describe, expect, test } from "bun:test";
import { toHex } from "../../src/protocol/bytes.ts";
import { decodeInvite2, inviteState } from "../../src/protocol/v2/invite.ts";
import { applyAdmit, issueInvite, kickMembers, revokeInvite } from "../../src/sync/v2-admin.ts";
import { V2Exchange } from "../../src/sync/v2-exchange.ts";
import { connect, joinCircle, makeNode, post, texts, type Node } from "./helpers.ts";

function join(joiner: Node, owner: Node, code: string) {
  const inv = decodeInvite2(code, joiner.clock.now);
  if (!inv.ok) throw new Error(inv.reason);
  const ex = V2Exchange.joiner(
    joiner.deps,
    { inviteId: inv.value.inviteId, ticket: inv.value.ticket, circleId: inv.value.circleId },
    owner.listenAddr,
  );
  const conn = connect(joiner, owner, inv.value.circleId, { clientEx: ex, start: (c) => c.start() });
  return { conn, ex };
}

describe("felund2 invite admission", () => {
  test("admit, count the use, refuse a second joiner, let the first rejoin", () => {
    const owner = makeNode("owner");
    const cid = joinCircle(owner, owner);
    post(owner, cid, "welcome");
    const inv = issueInvite(owner.ctx(), cid, {
      peer: owner.listenAddr,
      ttlS: 3600,
      maxUses: 1,
      now: owner.clock.now,
      rng: owner.deps.rng,
    });
    if (!inv.ok) throw new Error(inv.reason);
    expect(inv.value.code.startsWith("felund2.")).toBe(true);
    const j1 = makeNode("j1");
    const r1 = join(j1, owner, inv.value.code);
    expect(r1.ex.result.admitted).not.toBeNull();
    expect(r1.conn.closed.client).toEqual({ reason: "admitted", error: false });
    const joined = applyAdmit(j1.store, r1.ex.result.admitted!, j1.clock.now);
    expect(joined).toBe(cid);
    expect(j1.store.getCircle(cid)?.mode).toBe("v2");
    expect(owner.store.getInvite(toHex(inv.value.invite.inviteId))?.uses).toBe(1);
    // the new member syncs normally afterwards
    const c = connect(j1, owner, cid);
    expect(c.closed).toEqual({});
    expect(texts(j1, cid)).toEqual(["welcome"]);
    // a second joiner: used up
    const j2 = makeNode("j2");
    const r2 = join(j2, owner, inv.value.code);
    expect(r2.ex.result.admitted).toBeNull();
    expect(r2.ex.abortReason).toBe("issuer refused: invite used up");
    // the first joiner again: no new use needed
    expect(join(j1, owner, inv.value.code).ex.result.admitted).not.toBeNull();
  });

  test("expired at the issuer's clock: refused", () => {
    const owner = makeNode("owner");
    const cid = joinCircle(owner, owner);
    const inv = issueInvite(owner.ctx(), cid, {
      peer: owner.listenAddr,
      ttlS: 60,
      now: owner.clock.now,
      rng: owner.deps.rng,
    });
    if (!inv.ok) throw new Error(inv.reason);
    const j = makeNode("late");
    owner.clock.now += 61;
    const r = join(j, owner, inv.value.code);
    expect(r.ex.abortReason).toBe("issuer refused: invite expired");
  });

  test("revoked: refused for everyone, the node it admitted before included; a kick revokes every invite", () => {
    const owner = makeNode("owner");
    const member = makeNode("member");
    const cid = joinCircle(owner, owner);
    joinCircle(member, owner);
    const inv = issueInvite(owner.ctx(), cid, { peer: owner.listenAddr, now: owner.clock.now, rng: owner.deps.rng });
    const inv2 = issueInvite(owner.ctx(), cid, {
      peer: owner.listenAddr,
      maxUses: 1,
      now: owner.clock.now,
      rng: owner.deps.rng,
    });
    if (!inv.ok || !inv2.ok) throw new Error("issue");
    const j = makeNode("j");
    expect(join(j, owner, inv.value.code).ex.result.admitted).not.toBeNull();
    const id = toHex(inv.value.invite.inviteId);
    expect(revokeInvite(owner.ctx(), cid, id.slice(0, 4), owner.clock.now + 5)).toMatchObject({
      ok: true,
      value: { inviteId: id, revokedTs: owner.clock.now + 5 },
    });
    expect(revokeInvite(owner.ctx(), cid, id, owner.clock.now)).toMatchObject({
      ok: false,
      reason: `invite ${id} is already revoked`,
    });
    expect(join(j, owner, inv.value.code).ex.abortReason).toBe("issuer refused: invite revoked");
    expect(join(makeNode("k"), owner, inv.value.code).ex.abortReason).toBe("issuer refused: invite revoked");
    expect(owner.store.getInvite(id)?.uses).toBe(1);
    // the order of the rules: revoked before expired before used up
    const rec = { inviteId: id, circleId: cid, ticketHex: "", expiresTs: 10, maxUses: 1, uses: 1 };
    expect([
      inviteState(rec, 5),
      inviteState(rec, 10),
      inviteState({ ...rec, revokedTs: 1 }, 10),
      inviteState({ ...rec, uses: 0 }, 5),
    ]).toEqual(["used up", "expired", "revoked", "live"]);
    // a kick (REKEY) revokes the rest, in the same transaction
    expect(
      kickMembers(owner.ctx(), cid, [member.keys.nodeId], {
        displayName: "o",
        now: owner.clock.now,
        rng: owner.deps.rng,
      }).ok,
    ).toBe(true);
    expect(owner.store.listInvites(cid).map((r) => r.revokedTs != null)).toEqual([true, true]);
    expect(join(makeNode("l"), owner, inv2.value.code).ex.abortReason).toBe("issuer refused: invite revoked");
  });

  test("a revocation between the joiner's HELLO and its AUTH is seen: the check runs at admission", () => {
    const owner = makeNode("owner");
    const cid = joinCircle(owner, owner);
    const inv = issueInvite(owner.ctx(), cid, { peer: owner.listenAddr, now: owner.clock.now, rng: owner.deps.rng });
    if (!inv.ok) throw new Error(inv.reason);
    const j = makeNode("j");
    const joiner = V2Exchange.joiner(
      j.deps,
      { inviteId: inv.value.invite.inviteId, ticket: inv.value.invite.ticket, circleId: cid },
      owner.listenAddr,
    );
    const server = V2Exchange.server(owner.deps, "");
    const hs = server.receive(joiner.start().send[0]!).send;
    expect(hs).toHaveLength(1);
    expect(revokeInvite(owner.ctx(), cid, toHex(inv.value.invite.inviteId), owner.clock.now).ok).toBe(true);
    const auth = joiner.receive(hs[0]!).send;
    const out = server.receive(auth[0]!);
    expect(out.close).toMatchObject({ reason: "invite revoked" });
    for (const line of out.send) joiner.receive(line);
    expect(joiner.result.admitted).toBeNull();
    expect(joiner.abortReason).toBe("issuer refused: invite revoked");
  });

  test("a guessed ticket fails the handshake; only the owner issues codes", () => {
    const owner = makeNode("owner");
    const member = makeNode("member");
    const cid = joinCircle(owner, owner);
    joinCircle(member, owner);
    const inv = issueInvite(owner.ctx(), cid, { peer: owner.listenAddr, now: owner.clock.now, rng: owner.deps.rng });
    if (!inv.ok) throw new Error(inv.reason);
    const dec = decodeInvite2(inv.value.code, owner.clock.now);
    if (!dec.ok) throw new Error(dec.reason);
    const j = makeNode("guesser");
    const ex = V2Exchange.joiner(
      j.deps,
      { inviteId: dec.value.inviteId, ticket: new Uint8Array(32).fill(1), circleId: cid },
      owner.listenAddr,
    );
    const conn = connect(j, owner, cid, { clientEx: ex });
    expect(ex.result.admitted).toBeNull();
    expect(ex.abortReason).toContain("auth failed");
    expect(conn.lines.filter((l) => l.from === "client")).toHaveLength(1);
    expect(
      issueInvite(member.ctx(), cid, { peer: "127.0.0.1:1", now: member.clock.now, rng: member.deps.rng }),
    ).toMatchObject({ ok: false });
  });
});
