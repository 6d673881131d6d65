// The history policy (docs/PROTOCOL.md §24.2) through the UIs' LocalBackend against a real
// node's local API (127.0.0.1:0): set and read back; bad input refused with a clear error and
// nothing changed; a legacy circle refused.
import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { Elysia } from "elysia";
import { createLocalApi } from "../../src/node/local-api-elysia.ts";
import { LocalBackend } from "../../ui/shared/local-backend.ts";
import { startV2Node } from "../node/helpers.ts";

setDefaultTimeout(30_000);
const TOKEN = "c".repeat(64);
const cleanup: (() => void)[] = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

describe("LocalBackend: history policy", () => {
  test("set, read back, refuse bad input and legacy circles", async () => {
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
    const { circleId } = await b.createCircle("club");
    const get = async () =>
      (await (
        await fetch(`http://127.0.0.1:${port}/api/circles/${circleId}/history`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        })
      ).json()) as { policy: string };
    expect(await get()).toEqual({ policy: "all" });
    expect(await b.setHistory(circleId, "30d")).toBe("30d");
    expect(node.store.circleHistory(circleId)?.days).toBe(30);
    expect(await b.setHistory(circleId, "none")).toBe("none");
    expect(await get()).toEqual({ policy: "none" });
    for (const bad of ["soon", "0d", "-3", "36501d"])
      await expect(b.setHistory(circleId, bad)).rejects.toThrow("history must be all, none or a number of days");
    expect(await get()).toEqual({ policy: "none" });
    const legacy = await b.createCircle("old", { legacy: true });
    await expect(b.setHistory(legacy.circleId, "all")).rejects.toThrow("a history policy needs a v2-only circle");
  });
});
