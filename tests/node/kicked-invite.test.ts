// Issue 12 item 1, over TCP between real nodes on 127.0.0.1: a kicked member comes back with
// the felund2 code he joined with, under a fresh identity. The kick revoked every invite of the
// circle, so the owner's node refuses him and he never gets the new epoch key; codes issued after
// the kick work; an invite revoked by hand admits no one, not even the node it admitted before.
import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { FelundNode } from "../../src/node/node.ts";
import * as svc from "../../src/node/service.ts";
import { decodeInvite2 } from "../../src/protocol/v2/invite.ts";
import { toHex } from "../../src/protocol/bytes.ts";
import { startV2Node, waitFor } from "./helpers.ts";

setDefaultTimeout(30_000);
const nodes: FelundNode[] = [];
afterEach(() => {
  while (nodes.length) nodes.pop()!.stop();
});
const v2 = async (n: string) => {
  const x = await startV2Node(n);
  nodes.push(x);
  return x;
};
const has = (n: FelundNode, cid: string, t: string) =>
  n.store.channelMessages(cid, "general", { limit: 200 }).some((m) => m.text === t);
const idOf = (code: string) => {
  const v = decodeInvite2(code, Math.floor(Date.now() / 1000));
  if (!v.ok) throw new Error(v.reason);
  return toHex(v.value.inviteId);
};

describe("a kicked member and his old invite code", () => {
  test("kicked, he redeems the same code under a fresh identity: refused, no new epoch key; a new code works", async () => {
    const [a, b, m] = [await v2("alice"), await v2("bob"), await v2("mallory")];
    const { circleId, code } = a.createCircle("club"); // default: unlimited uses, 7 days
    await b.join({ code });
    await m.join({ code });
    a.send(circleId, "general", "before kick");
    await waitFor(
      () => has(m, circleId, "before kick") && has(b, circleId, "before kick"),
      5000,
      "all get the first message",
    );
    await waitFor(() => a.store.listMemberCards(circleId).length === 3, 5000, "the owner has every card");
    a.kick(circleId, [m.nodeId]);
    expect(svc.listInvites(a.ctx, circleId)).toMatchObject([{ inviteId: idOf(code), uses: 2, state: "revoked" }]);
    a.send(circleId, "general", "after kick");
    await waitFor(() => has(b, circleId, "after kick"), 5000, "bob reads the new message");

    // mallory again, as a new node with a new key, and the code he joined with
    const m2 = await v2("mallory2");
    await expect(m2.join({ code })).rejects.toThrow("the inviter did not admit us: invite revoked");
    expect(m2.store.getCircle(circleId)).toBeUndefined();
    expect(m2.store.getEpochKey(circleId, 1)).toBeFalsy();
    expect(svc.listInvites(a.ctx, circleId)[0]).toMatchObject({ uses: 2, state: "revoked" });
    // his old identity, which still holds the circle, gets nothing new by "joining" again (a sync the owner refuses)
    await m.join({ code });
    await Bun.sleep(200);
    expect(has(m, circleId, "after kick")).toBe(false);
    expect(m.store.getEpochKey(circleId, 1)).toBeFalsy();

    // the owner re-issues a code: it admits a new member with the new key
    const c = await v2("carol");
    await c.join({ code: a.inviteCode(circleId) });
    expect(c.store.getEpochKey(circleId, 1)).toBeTruthy();
    await waitFor(() => has(c, circleId, "after kick"), 5000, "carol reads after the kick");
    expect(svc.listInvites(a.ctx, circleId).map((v) => v.state)).toEqual(["live", "revoked"]);
  });

  test("an invite revoked by hand admits no one, not even the node it admitted before", async () => {
    const [a, b] = [await v2("alice"), await v2("bob")];
    const { circleId } = a.createCircle("club");
    const code = a.inviteCode(circleId, { maxUses: 5 });
    await b.join({ code });
    b.leave(circleId);
    const v = svc.revokeInvite(a.ctx, circleId, idOf(code).slice(0, 8));
    expect(v).toMatchObject({ inviteId: idOf(code), uses: 1, maxUses: 5, state: "revoked" });
    await expect(b.join({ code })).rejects.toThrow("invite revoked");
    await expect((await v2("dave")).join({ code })).rejects.toThrow("invite revoked");
    expect(() => svc.revokeInvite(a.ctx, circleId, idOf(code))).toThrow("already revoked");
    expect(() => svc.revokeInvite(a.ctx, circleId, "ffff")).toThrow('no invite "ffff"');
  });
});
