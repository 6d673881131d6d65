// /reply, /react, /edit, /delete and /info in the terminal UI (OpenTUI's test renderer) over a
// real node's local API (LocalBackend): the quote line above a reply, the reaction count, the
// "(edited)" mark with the history in /info, and "message deleted" in place of the text.
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { Elysia } from "elysia";
import { createLocalApi } from "../../src/node/local-api-elysia.ts";
import { LocalBackend } from "../../ui/shared/local-backend.ts";
import { startV2Node } from "../node/helpers.ts";
import { startHarness, type Harness } from "./harness.ts";

setDefaultTimeout(30_000);
const TOKEN = "f".repeat(64);
const cleanup: (() => unknown)[] = [];
let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
  while (cleanup.length) await cleanup.pop()!();
});

test("/reply, /react, /edit, /info and /delete on numbered messages", async () => {
  const node = await startV2Node("tess");
  cleanup.push(() => node.stop());
  let port = 0;
  const app = new Elysia().use(createLocalApi({ node, token: TOKEN, port: () => port }));
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (r: Request) => app.handle(r) });
  port = server.port!;
  cleanup.push(() => server.stop(true));
  const { circleId } = node.createCircle("room");
  const first = node.send(circleId, "general", "the **plan** is `ready`");
  node.send(circleId, "general", "second thought");
  const backend = new LocalBackend({ base: `http://127.0.0.1:${port}`, token: TOKEN });
  cleanup.push(() => backend.close());
  h = await startHarness(100, 30, backend as never);
  await h.until((f) => f.includes("second thought"), "history");

  // message 2 from the bottom is "the plan is ready" (markdown: its quote shows no markers)
  await h.type("/reply 2 sounds good");
  await h.enter();
  let f = await h.until((f) => f.includes("sounds good"), "reply");
  expect(f).toContain("╭ tess: the plan is ready");

  await h.type("/react 3 :tada:");
  await h.enter();
  f = await h.until((f) => f.includes("[🎉 1]"), "reaction");

  await h.type("/edit 3 the plan is final");
  await h.enter();
  f = await h.until((f) => f.includes("the plan is final (edited)"), "edit");

  await h.type("/info 3");
  await h.enter();
  f = await h.until((f) => f.includes("edit 1"), "history in /info");
  expect(f).toContain("reaction 🎉 1: tess");
  expect(f).toMatch(/original \([^)]*\): the \*\*plan\*\* is `ready`/); // as written

  await h.type("/delete 3");
  await h.enter();
  f = await h.until((f) => f.includes("message deleted") && !f.includes("the plan is final (edited)"), "delete");
  expect(node.store.getMessage(first.msgId)).toMatchObject({ deleted: 1, text: "" });
  // someone else's message number that does not exist
  await h.type("/edit 9 nothing");
  await h.enter();
  await h.until((f) => f.includes("no message 9 from the bottom"), "usage error");
});
