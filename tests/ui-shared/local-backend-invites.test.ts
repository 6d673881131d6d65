// The UIs' LocalBackend against a real node's local API (on 127.0.0.1:0): the owner's invites
// listed and revoked through the Backend interface (what both UIs' F2 dialog calls), a kick
// revoking them, and the dialog's plain code reused while live but never once revoked.
import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { Elysia } from "elysia";
import { createLocalApi } from "../../src/node/local-api-elysia.ts";
import type { FelundNode } from "../../src/node/node.ts";
import { LocalBackend } from "../../ui/shared/local-backend.ts";
import { codeInviteId } from "../../ui/shared/invites.ts";
import { startV2Node, waitFor } from "../node/helpers.ts";

setDefaultTimeout(30_000);
const TOKEN = "b".repeat(64);
const cleanup: (() => void)[] = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

async function owner(): Promise<{ node: FelundNode; b: LocalBackend }> {
  const node = await startV2Node("alice");
  let port = 0;
  const app = new Elysia().use(createLocalApi({ node, token: TOKEN, port: () => port }));
  app.listen({ hostname: "127.0.0.1", port: 0 });
  port = app.server!.port!;
  const b = new LocalBackend({ base: `http://127.0.0.1:${port}`, token: TOKEN });
  cleanup.push(() => {
    b.close();
    void app.stop(true);
    node.stop();
  });
  return { node, b };
}

describe("LocalBackend: invites", () => {
  test("list, revoke by id, and the F2 code: the same while live, a new one once revoked", async () => {
    const { b } = await owner();
    const { circleId, code: first } = await b.createCircle("club");
    const shown = await b.inviteCode(circleId);
    expect(await b.inviteCode(circleId)).toBe(shown); // the dialog reopened: no new invite
    expect(await b.inviteCode(circleId, { maxUses: 1 })).not.toBe(shown); // limits: always a new one
    const ids = (await b.listInvites(circleId)).map((v) => v.inviteId);
    expect(ids).toHaveLength(3);
    expect(ids).toContain(codeInviteId(first)!);
    expect(ids).toContain(codeInviteId(shown)!);
    await b.revokeInvite(circleId, codeInviteId(shown)!);
    const after = await b.listInvites(circleId);
    expect(after.find((v) => v.inviteId === codeInviteId(shown))).toMatchObject({
      state: "revoked",
      uses: 0,
      maxUses: 0,
    });
    expect(after.filter((v) => v.state === "live")).toHaveLength(2);
    const next = await b.inviteCode(circleId);
    expect(next).not.toBe(shown);
    await expect(b.revokeInvite(circleId, codeInviteId(shown)!)).rejects.toThrow("already revoked");
    await expect(b.revokeInvite(circleId, "0123456789abcdef")).rejects.toThrow('no invite "0123456789abcdef"');
  });

  test("a kick through the Backend revokes every invite; the dialog's next code is a new one", async () => {
    const { node, b } = await owner();
    const { circleId } = await b.createCircle("club");
    const shown = await b.inviteCode(circleId);
    const bob = await startV2Node("bob");
    cleanup.push(() => bob.stop());
    await bob.join({ code: shown });
    await waitFor(() => node.store.listMemberCards(circleId).length === 2, 5000, "bob's card");
    await b.kickMembers(circleId, ["bob"]);
    expect((await b.listInvites(circleId)).map((v) => v.state)).toEqual(["revoked", "revoked"]);
    const next = await b.inviteCode(circleId);
    expect(next).not.toBe(shown);
    expect((await b.listInvites(circleId)).filter((v) => v.state === "live").map((v) => v.inviteId)).toEqual([
      codeInviteId(next)!,
    ]);
  });
});
