// History policy (docs/PROTOCOL.md §24.2) between two real nodes over TCP on loopback: the
// owner's node holds 20 days of messages and sets the policy; a new member joins by invite and
// receives only what the policy allows, then heal rounds bring nothing more.
import { afterEach, expect, test } from "bun:test";
import type { FelundNode } from "../../src/node/node.ts";
import { setHistoryPolicy } from "../../src/peer/history.ts";
import { startV2Node, waitFor } from "./helpers.ts";

const DAY_MS = 86_400_000;
const NOW_MS = 1_800_000_000_000;
const nodes: FelundNode[] = [];
afterEach(() => {
  while (nodes.length) nodes.pop()!.stop();
});

const heal = (n: FelundNode, circleId: string) =>
  (n as unknown as { sessions: { resync(id: string): void } }).sessions.resync(circleId);

const dayTexts = (n: FelundNode, circleId: string): string[] =>
  (
    n.store.sql
      .query("SELECT text FROM messages WHERE circle_id = ? AND text LIKE 'day -%' ORDER BY created_ts")
      .all(circleId) as { text: string }[]
  ).map((r) => r.text);

for (const [policy, expected] of [
  ["none", [] as string[]],
  ["3d", ["day -2", "day -1", "day -0"]],
] as const)
  test(`policy ${policy}: a member who joins receives ${expected.length} of 20 days, and heals add nothing`, async () => {
    let t = NOW_MS - 20 * DAY_MS;
    const clock = () => t;
    const a = await startV2Node("alice", { nowMs: clock });
    nodes.push(a);
    const { circleId } = a.createCircle("club");
    for (let d = 19; d >= 0; d--) {
      t = NOW_MS - d * DAY_MS - 3_600_000;
      a.send(circleId, "general", `day -${d}`);
    }
    t = NOW_MS;
    a.published(setHistoryPolicy(a.ctx, circleId, policy));
    const code = a.inviteCode(circleId); // now: the one made with the circle has expired
    const b = await startV2Node("bob", { nowMs: clock });
    nodes.push(b);
    await b.join({ code });
    await waitFor(() => a.sessionPeers(circleId).includes(b.nodeId), 5000, "a live session");
    // the policy event and the owner's card (both control events, one from 20 days ago) arrive
    await waitFor(() => b.store.circleHistory(circleId) !== null, 5000, "the policy at the new member");
    await waitFor(() => b.store.getMemberCard(circleId, a.nodeId) !== undefined, 5000, "the owner's card");
    expect(b.store.getCircle(circleId)!.name).toBe("club");
    for (let i = 0; i < 2; i++) {
      heal(a, circleId);
      heal(b, circleId);
      await Bun.sleep(300);
    }
    expect(dayTexts(b, circleId)).toEqual([...expected]);
    // written after the join: moves as always
    t = NOW_MS + 60_000;
    a.send(circleId, "general", "after the join");
    await waitFor(
      () => (b.store.sql.query("SELECT 1 FROM messages WHERE text = 'after the join'").get() ?? null) !== null,
      5000,
      "a message written after the join",
    );
  }, 30_000);
