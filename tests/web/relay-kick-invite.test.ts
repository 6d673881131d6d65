// Issue 12 item 1 on the relay-only side (ui/web/src/relay against the real relay app, in Bun):
// a browser that owns a circle issues felund2 codes and admits through the relay's /v1/signal.
// Its kick revokes them, so the kicked member's code admits no fresh identity; the F2 dialog's
// code is never a revoked one; listInvites / revokeInvite work through the Backend; and a node
// owner's relay invite (admission through /v1/signal) is refused after its kick the same way.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { RelayBackend } from "../../ui/web/src/relay/relay-backend.ts";
import { MemoryPersistence } from "../../ui/web/src/relay/persist.ts";
import type { FelundNode } from "../../src/node/node.ts";
import { startV2Node, waitFor as waitNode } from "../node/helpers.ts";
import { startRelay, waitFor, type TestRelay } from "./relay-helpers.ts";

setDefaultTimeout(60_000);
let relay: TestRelay;
const opened: RelayBackend[] = [];
const nodes: FelundNode[] = [];
beforeAll(() => {
  relay = startRelay();
});
afterAll(() => {
  for (const b of opened) b.close();
  for (const n of nodes) n.stop();
  relay.stop();
});

async function browser(name: string, persist = new MemoryPersistence()): Promise<RelayBackend> {
  const b = await RelayBackend.open({
    relayBase: relay.base,
    persist,
    pollMs: 300,
    idlePollMs: 2000,
    reconnectMs: 200,
  });
  opened.push(b);
  b.subscribe(() => {}); // as the page does: a subscribed backend syncs and answers admissions
  await b.updateSettings({ displayName: name });
  return b;
}

describe("a relay-only owner's invites", () => {
  test("its kick revokes its invites: the kicked member's code admits no fresh identity; F2 gives a new code", async () => {
    const persist = new MemoryPersistence();
    const a = await browser("own", persist);
    const { circleId, code } = await a.createCircle("club");
    const m = await browser("mal");
    await m.joinCircle(code);
    await waitFor("the owner counted the use", async () => (await a.listInvites(circleId))[0]?.uses === 1);
    expect(await a.inviteCode(circleId)).toBe(code); // the dialog reopened: the same live code
    // the kick names mal, which resolves once his member card reached the owner (it refuses before)
    await waitFor(
      "the owner kicks mal",
      async () => {
        await a.kickMembers(circleId, ["mal"]);
        return true;
      },
      10_000,
    );
    const list = await a.listInvites(circleId);
    expect(list).toMatchObject([{ uses: 1, maxUses: 0, state: "revoked" }]);
    // mallory again, a new browser identity with the same code
    const m2 = await browser("mal2");
    await expect(m2.joinCircle(code)).rejects.toThrow("the inviter did not admit us: invite revoked");
    expect((await m2.getState()).circles).toEqual([]);
    // the F2 dialog of the owner now hands out a new code, which works
    const fresh = await a.inviteCode(circleId);
    expect(fresh).not.toBe(code);
    const c = await browser("carol");
    await c.joinCircle(fresh);
    expect((await c.getState()).circles.map((x) => x.circleId)).toEqual([circleId]);
    // revoked by hand through the Backend; kept revoked across a reload of the owner's page
    const [live] = (await a.listInvites(circleId)).filter((v) => v.state === "live");
    await a.revokeInvite(circleId, live!.inviteId.slice(0, 6));
    await expect(a.revokeInvite(circleId, live!.inviteId)).rejects.toThrow("already revoked");
    a.close();
    const again = await browser("own", persist);
    expect((await again.listInvites(circleId)).map((v) => v.state)).toEqual(["revoked", "revoked"]);
    await expect((await browser("dave")).joinCircle(fresh)).rejects.toThrow("invite revoked");
  });

  test("a node owner's relay invite is refused after its kick (admission through /v1/signal)", async () => {
    const node = await startV2Node("nora", { relay: relay.base });
    nodes.push(node);
    const { circleId } = node.createCircle("mixed");
    const code = node.inviteCode(circleId, { viaRelay: true });
    const m = await browser("mal");
    await m.joinCircle(code);
    await waitNode(() => node.store.listMemberCards(circleId).length === 2, 10_000, "mal's card reaches the node");
    node.kick(circleId, [node.store.listMemberCards(circleId).find((x) => x.nodeId !== node.nodeId)!.nodeId]);
    await expect((await browser("mal2")).joinCircle(code)).rejects.toThrow(
      "the inviter did not admit us: invite revoked",
    );
  });
});
