// Issue 16 in the node's local API: notification settings (GET/PUT /api/notify) kept in the
// node's store and checked whole (bad input refused, nothing changed), and pins (GET/POST
// /api/circles/:id/pins) through the peer's rules. Checked with app.handle (no network).
import { afterEach, expect, test } from "bun:test";
import { Elysia } from "elysia";
import { createLocalApi } from "../../src/node/local-api-elysia.ts";
import { startV2Node } from "./helpers.ts";

const TOKEN = "s".repeat(64);
const PORT = 48125;
const cleanup: (() => void)[] = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

async function api() {
  const node = await startV2Node("social");
  cleanup.push(() => node.stop());
  const app = new Elysia().use(createLocalApi({ node, token: TOKEN, port: () => PORT })) as unknown as Elysia;
  const { circleId } = node.createCircle("room");
  const call = async (method: string, path: string, body?: unknown) => {
    const r = await app.handle(
      new Request(`http://127.0.0.1:${PORT}/api${path}`, {
        method,
        headers: {
          host: `127.0.0.1:${PORT}`,
          authorization: `Bearer ${TOKEN}`,
          ...(body !== undefined ? { "content-type": "application/json" } : {}),
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      }),
    );
    return { status: r.status, json: (await r.json()) as Record<string, any> };
  };
  return { node, circleId, call };
}

test("notification settings: defaults, saved and read back, bad input refused and nothing changed", async () => {
  const { circleId, call } = await api();
  expect((await call("GET", "/notify")).json).toEqual({ ok: true, prefs: { levels: {}, muted: [], keywords: {} } });
  const prefs = {
    levels: { [`${circleId}/general`]: "mentions" },
    muted: [circleId],
    keywords: { [circleId]: ["deploy"] },
  };
  expect((await call("PUT", "/notify", { prefs })).json.ok).toBe(true);
  expect((await call("GET", "/notify")).json.prefs).toEqual(prefs);
  for (const bad of [
    { levels: { x: "loud" }, muted: [], keywords: {} },
    { levels: {}, muted: [1], keywords: {} },
    { levels: {}, muted: [], keywords: { c: ["", "x"] } },
    { levels: {}, muted: [] },
    "all",
  ]) {
    const r = await call("PUT", "/notify", { prefs: bad });
    expect(r.status).toBe(422);
    expect(r.json).toMatchObject({ ok: false, code: "E_INVALID" });
  }
  expect((await call("GET", "/notify")).json.prefs).toEqual(prefs);
});

test("pins: the owner pins a message and lists it; bad input is refused", async () => {
  const { node, circleId, call } = await api();
  const m = node.send(circleId, "general", "pin me");
  const r = await call("POST", `/circles/${circleId}/pins`, { channel: "general", msgId: m.msgId });
  expect(r.json).toEqual({ ok: true });
  const list = (await call("GET", `/circles/${circleId}/pins?channel=general`)).json.pins;
  expect(list.map((p: { message: { text: string } }) => p.message.text)).toEqual(["pin me"]);
  const bad = await call("POST", `/circles/${circleId}/pins`, { channel: "general", msgId: m.msgId, pinned: "yes" });
  expect(bad).toMatchObject({ status: 422, json: { ok: false, code: "E_INVALID" } });
  const again = await call("POST", `/circles/${circleId}/pins`, { channel: "general", msgId: m.msgId });
  expect(again.json).toMatchObject({ ok: false, code: "E_CONFLICT" });
});
