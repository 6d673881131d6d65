// Typing indicators between two real nodes on a v2 session (docs/PROTOCOL.md §22): the user
// types in A's composer (the local API, as the web and TUI call it) and B shows it within a
// second; it ends when A's message arrives, or TYPING_SHOW_MS after the last notice; a flood of
// TYPING frames from one peer is capped and stores nothing; a legacy circle sends none; a TYPING
// frame naming another circle closes the session (bad input).
import { afterEach, describe, expect, test } from "bun:test";
import { Elysia } from "elysia";
import { createLocalApi } from "../../src/node/local-api-elysia.ts";
import type { FelundNode } from "../../src/node/node.ts";
import type { NodeEvent } from "../../src/node/shell-ports.ts";
import { TYPING_RECV_MAX, TYPING_SHOW_MS } from "../../src/protocol/limits.ts";
import { encodeFrame } from "../../src/protocol/v2/frames.ts";
import { startV2Node, waitFor } from "./helpers.ts";

const TOKEN = "e".repeat(64);
const PORT = 48177;
const cleanup: (() => void)[] = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

async function api(node: FelundNode, method: string, path: string, body?: unknown) {
  const app = new Elysia().use(createLocalApi({ node, token: TOKEN, port: () => PORT })) as unknown as Elysia;
  const r = await app.handle(
    new Request(`http://127.0.0.1:${PORT}/api${path}`, {
      method,
      headers: { host: `127.0.0.1:${PORT}`, authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
  );
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

/** Two nodes in one circle with a live v2 session; B's typing events. */
async function pair(legacy = false) {
  const a = await startV2Node("alice");
  const b = await startV2Node("bob");
  cleanup.push(
    () => a.stop(),
    () => b.stop(),
  );
  const { circleId } = a.createCircle("friends", { legacy });
  await b.join({ code: a.inviteCode(circleId) });
  if (legacy) await b.syncWith(circleId, a.listenAddr!);
  await waitFor(() => a.sessionPeers(circleId).includes(b.nodeId), 5000, "A's session with B");
  await waitFor(() => b.sessionPeers(circleId).includes(a.nodeId), 5000, "B's session with A");
  const seen: Extract<NodeEvent, { t: "typing" }>[] = [];
  b.subscribe((e) => e.t === "typing" && seen.push(e));
  return { a, b, circleId, seen };
}

const rowsOf = (n: FelundNode) => (n.store.sql.prepare("SELECT COUNT(*) AS n FROM messages").get() as { n: number }).n;

describe("typing over a v2 session", () => {
  test("typing in A's composer shows on B within a second; A's message clears it; so does TYPING_SHOW_MS", async () => {
    const { a, b, circleId, seen } = await pair();
    const t0 = Date.now();
    const r = await api(a, "POST", `/circles/${circleId}/typing`, { channel: "general" });
    expect(r.body).toEqual({ ok: true, sent: true });
    await waitFor(() => seen.some((e) => e.who.includes(a.nodeId)), 1000, "B shows A typing");
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(seen.at(-1)).toEqual({ t: "typing", circleId, channelId: "general", who: [a.nodeId] });
    expect((await api(b, "GET", `/circles/${circleId}/typing?channel=general`)).body).toEqual({
      ok: true,
      who: [a.nodeId],
    });
    // throttled: a second keystroke right away sends nothing
    expect((await api(a, "POST", `/circles/${circleId}/typing`, { channel: "general" })).body.sent).toBe(false);

    const m = a.send(circleId, "general", "here I am");
    await waitFor(() => b.store.hasMessage(m.msgId), 3000, "B has A's message");
    await waitFor(() => seen.at(-1)?.who.length === 0, 1000, "the line cleared by the message");

    // the message ended the throttle: the next keystroke notifies at once; without renewal it ends by itself
    expect((await api(a, "POST", `/circles/${circleId}/typing`, { channel: "random" })).body.sent).toBe(true);
    await waitFor(() => seen.at(-1)?.channelId === "random" && seen.at(-1)!.who.length === 1, 1000, "shown again");
    const shownAt = Date.now();
    await waitFor(() => seen.at(-1)?.who.length === 0, TYPING_SHOW_MS + 2000, "expired");
    expect(Date.now() - shownAt).toBeGreaterThan(TYPING_SHOW_MS - 1000);
    expect(b.typing.who(circleId, "random")).toEqual([]);
  }, 30_000);

  test("a flood of TYPING frames from one peer is capped and stores nothing", async () => {
    const { a, b, circleId } = await pair();
    // the join's own rows (cards) first: both hold the same history, then nothing should change
    await waitFor(() => rowsOf(a) === rowsOf(b) && rowsOf(a) >= 2, 5000, "the join settled");
    await Bun.sleep(300);
    const before = rowsOf(a);
    const sessions = (b as unknown as { sessions: { typing(c: string, ch: string): void } }).sessions;
    for (let i = 0; i < 200; i++) sessions.typing(circleId, i % 2 ? "general" : "flood");
    await waitFor(() => a.typing.dropped >= 200 - TYPING_RECV_MAX, 3000, "the flood dropped past the cap");
    expect(a.typing.dropped).toBe(200 - TYPING_RECV_MAX);
    expect(a.typing.who(circleId, "general")).toEqual([b.nodeId]);
    expect(rowsOf(a)).toBe(before);
    // the session stays: a flood of well-formed notices is dropped, not a protocol error
    expect(a.sessionPeers(circleId)).toContain(b.nodeId);
  }, 20_000);

  test("bad input: TYPING naming another circle or an invalid channel closes that session, bad API input is refused", async () => {
    const { a, b, circleId } = await pair();
    expect((await api(a, "POST", `/circles/${circleId}/typing`, { channel: "__control" })).status).toBe(422);
    expect((await api(a, "POST", `/circles/${circleId}/typing`, {})).status).toBe(422);
    expect((await api(a, "POST", "/circles/ffffffffffff/typing", { channel: "general" })).status).toBe(404);
    // B's session object sends a frame our code never sends: a notice for another circle
    const s = [...(b as unknown as { sessions: { get(c: string): Set<any> } }).sessions.get(circleId)!][0];
    const frame = (s.ex as { frame(f: unknown): string }).frame({
      t: "typing",
      circleId: "0".repeat(24),
      channelId: "general",
    });
    s.conn.apply({ send: [frame] });
    await waitFor(() => !a.sessionPeers(circleId).includes(b.nodeId), 3000, "A closed the session");
    expect(a.typing.who(circleId, "general")).toEqual([]);
    expect(encodeFrame({ t: "typing", circleId, channelId: "general" })[0]).toBe(9);
  }, 20_000);

  test("legacy circle: no typing frame is sent, none shown", async () => {
    const { a, b, circleId, seen } = await pair(true);
    const sent: string[] = [];
    for (const s of (a as unknown as { sessions: { get(c: string): Set<any> } }).sessions.get(circleId)!) {
      const orig = s.ex.typing.bind(s.ex);
      s.ex.typing = (ch: string) => (sent.push(ch), orig(ch));
    }
    expect((await api(a, "POST", `/circles/${circleId}/typing`, { channel: "general" })).body).toEqual({
      ok: true,
      sent: false,
    });
    await Bun.sleep(500);
    expect(sent).toEqual([]);
    expect(seen).toEqual([]);
    b.typing.fromSession(circleId, "general", a.nodeId);
    expect(b.typing.who(circleId, "general")).toEqual([]);
  }, 20_000);
});
