// `felund invite --list` and `--revoke ID` in real child processes: on the state dir when no
// node runs, and through a running node's local API, where the whole attack of issue 12 item 1
// plays out with the real command line: bob joins with the code, alice kicks him, and the same
// code under a fresh identity (another state dir) is refused.
import { afterAll, describe, expect, test } from "bun:test";
import { felund, freePort, removeTempDirs, startFelund, tempDir, stoppedAfterEach } from "./helpers.ts";

const SLOW = 60_000;
const procs = stoppedAfterEach();
afterAll(removeTempDirs);

const ok = async (dir: string, ...args: string[]) => {
  const r = await felund(dir, ...args);
  if (r.code !== 0) throw new Error(`felund ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
};
const list = async (dir: string, circleId: string) =>
  JSON.parse(await ok(dir, "invite", "--circle-id", circleId, "--list", "--json")) as {
    inviteId: string;
    uses: number;
    maxUses: number;
    state: string;
    createdTs: number;
    expiresTs: number;
  }[];

describe("felund invite --list / --revoke", () => {
  test(
    "without a node: list (table and --json), revoke by prefix, and clear errors",
    async () => {
      const a = tempDir();
      await ok(a, "init", "--bind", "127.0.0.1", "--port", String(freePort()), "--name", "alice");
      const { circleId } = JSON.parse(await ok(a, "invite", "--name", "club", "--json"));
      await ok(a, "invite", "--circle-id", circleId, "--uses", "2", "--expires", "1h");
      const invs = await list(a, circleId);
      expect(invs.map((v) => `${v.uses}/${v.maxUses} ${v.state}`).sort()).toEqual(["0/0 live", "0/2 live"]);
      expect(invs.every((v) => /^[0-9a-f]{32}$/.test(v.inviteId) && v.expiresTs > v.createdTs)).toBe(true);
      const table = await ok(a, "invite", "--circle-id", circleId, "--list");
      expect(table.split("\n")[0]).toMatch(/^INVITE\s+CREATED\s+EXPIRES\s+USES\s+STATE$/);
      expect(table).toContain(`${invs[0]!.inviteId}  `);
      expect(table).toMatch(/0\/2\s+live/);
      expect(table).toMatch(/0\/∞\s+live/);

      const target = invs.find((v) => v.maxUses === 2)!;
      expect(await ok(a, "invite", "--circle-id", circleId, "--revoke", target.inviteId.slice(0, 6))).toContain(
        `revoked invite ${target.inviteId}`,
      );
      expect((await list(a, circleId)).find((v) => v.inviteId === target.inviteId)!.state).toBe("revoked");

      const bad: [string[], RegExp][] = [
        [["invite", "--circle-id", circleId, "--revoke", target.inviteId], /already revoked/],
        [["invite", "--circle-id", circleId, "--revoke", "abcd"], /no invite "abcd"/],
        [["invite", "--circle-id", circleId, "--revoke", "zz!"], /--revoke takes an invite id/],
        [["invite", "--list"], /--list needs --circle-id/],
        [["invite", "--circle-id", circleId, "--list", "--revoke", "abcd"], /not both/],
        [["invite", "--circle-id", circleId, "--list", "--uses", "3"], /--uses issues a code/],
        [["invite", "--circle-id", "ffffffff", "--list"], /unknown circle/],
      ];
      for (const [args, re] of bad) {
        const r = await felund(a, ...args);
        expect([args.join(" "), r.code === 1 || r.code === 2]).toEqual([args.join(" "), true]); // 2: usage, 1: refused
        expect(r.stderr).toMatch(re);
      }
      // nothing changed by the refused commands
      expect((await list(a, circleId)).map((v) => v.state).sort()).toEqual(["live", "revoked"]);
    },
    SLOW,
  );

  test(
    "through the running node: a kicked member's code admits no fresh identity; a revoked one admits no one",
    async () => {
      const [a, b, m] = [tempDir(), tempDir(), tempDir()];
      await ok(a, "init", "--bind", "127.0.0.1", "--port", String(freePort()), "--name", "alice");
      await ok(b, "init", "--bind", "127.0.0.1", "--port", String(freePort()), "--name", "bob");
      await ok(m, "init", "--bind", "127.0.0.1", "--port", String(freePort()), "--name", "bob");
      procs.push(await startFelund(a, ["run"], /local API (http:\/\/\S+);/));
      const { circleId, code } = JSON.parse(await ok(a, "invite", "--name", "club", "--json"));
      await ok(b, "join", "--code", code);
      expect(await list(a, circleId)).toMatchObject([{ uses: 1, maxUses: 0, state: "live" }]);
      const kicked = await ok(a, "kick", "--circle-id", circleId, "bob");
      expect(kicked).toContain("moved to a new key");
      expect(kicked).toContain("every invite code of this circle was revoked");
      expect(await list(a, circleId)).toMatchObject([{ uses: 1, state: "revoked" }]);
      // bob again, from another state dir (a new identity), with the code he joined with
      const again = await felund(m, "join", "--code", code);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain("the inviter did not admit us: invite revoked");
      expect(JSON.parse(await ok(m, "circles", "--json"))).toEqual([]);
      // a new code works until the owner revokes it through the node
      const fresh = JSON.parse(await ok(a, "invite", "--circle-id", circleId, "--json")).code as string;
      const id = (await list(a, circleId)).find((v) => v.state === "live")!.inviteId;
      expect(JSON.parse(await ok(a, "invite", "--circle-id", circleId, "--revoke", id, "--json"))).toMatchObject({
        inviteId: id,
        state: "revoked",
      });
      const late = await felund(m, "join", "--code", fresh);
      expect(late.code).toBe(1);
      expect(late.stderr).toContain("invite revoked");
    },
    SLOW,
  );
});
