// `felund members`: the membership model of /who and the web member list, from the CLI. Without a
// running node (direct mode) nobody is known to be online: each member with when last seen.
import { afterAll, describe, expect, test } from "bun:test";
import { felund, removeTempDirs, tempDir } from "./helpers.ts";

afterAll(removeTempDirs);

describe("felund members", () => {
  test("lists the circle's members as /who does; --json gives the model's fields", async () => {
    const a = tempDir();
    expect((await felund(a, "init", "--name", "alice")).code).toBe(0);
    const { circleId } = JSON.parse((await felund(a, "invite", "--name", "club", "--json")).stdout);
    const text = await felund(a, "members", "--circle-id", circleId);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("1 member, 0 online");
    expect(text.stdout).toMatch(/^\* alice \[[0-9a-f]{6}\] \(you\)$/m);
    const list = JSON.parse((await felund(a, "members", "--circle-id", circleId, "--json")).stdout);
    expect(list).toEqual([expect.objectContaining({ name: "alice", you: true, online: true, path: null })]);
  });
});
