// felund2 invites end to end: the issuer admits a joiner over a ticket-keyed v2 handshake,
// counts uses, refuses when used up or expired; a wrong ticket learns nothing.
import { describe, expect, test } from "bun:test";
import { toHex } from "../../src/protocol/bytes.ts";
import { decodeInvite2 } from "../../src/protocol/v2/invite.ts";
import { applyAdmit, issueInvite } from "../../src/sync/v2-admin.ts";
import { V2Exchange } from "../../src/sync/v2-exchange.ts";
import { connect, joinCircle, makeNode, post, texts, type Node } from "./helpers.ts";

function join(joiner: Node, owner: Node, code: string) {
  const inv = decodeInvite2(code, joiner.clock.now);
  if (!inv.ok) throw new Error(inv.reason);
  const ex = V2Exchange.joiner(joiner.deps, { inviteId: inv.value.inviteId, ticket: inv.value.ticket, circleId: inv.value.circleId }, owner.listenAddr);
  const conn = connect(joiner, owner, inv.value.circleId, { clientEx: ex, start: (c) => c.start() });
  return { conn, ex };
}

describe("felund2 invite admission", () => {
  test("admit, count the use, refuse a second joiner, let the first rejoin", () => {
    const owner = makeNode("owner");
    const cid = joinCircle(owner, owner);
    post(owner, cid, "welcome");
    const inv = issueInvite(owner.ctx(), cid, { peer: owner.listenAddr, ttlS: 3600, maxUses: 1, now: owner.clock.now, rng: owner.deps.rng });
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
    const inv = issueInvite(owner.ctx(), cid, { peer: owner.listenAddr, ttlS: 60, now: owner.clock.now, rng: owner.deps.rng });
    if (!inv.ok) throw new Error(inv.reason);
    const j = makeNode("late");
    owner.clock.now += 61;
    const r = join(j, owner, inv.value.code);
    expect(r.ex.abortReason).toBe("issuer refused: invite expired");
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
    const ex = V2Exchange.joiner(j.deps, { inviteId: dec.value.inviteId, ticket: new Uint8Array(32).fill(1), circleId: cid }, owner.listenAddr);
    const conn = connect(j, owner, cid, { clientEx: ex });
    expect(ex.result.admitted).toBeNull();
    expect(ex.abortReason).toContain("auth failed");
    expect(conn.lines.filter((l) => l.from === "client")).toHaveLength(1);
    expect(issueInvite(member.ctx(), cid, { peer: "127.0.0.1:1", now: member.clock.now, rng: member.deps.rng })).toMatchObject({ ok: false });
  });
});
