// The relay-only peer joining a circle with a long history on its relay (issue 17, docs/PROTOCOL.md
// §27): the newest page comes first (the only messages announced one by one), older pages fill in
// behind it with a progress line ("fill" events, the relay's total), and in the end the store and
// its persistence hold every message of the node's history exactly once; while it fills the log
// reads its newest page and a message sent goes out; a reload mid-fill goes on where it stopped;
// a relay without `before` is paged forward as before.
import { expect, setDefaultTimeout, test } from "bun:test";
import type { FelundNode } from "../../src/node/node.ts";
import type { FetchLike } from "../../src/peer/relay/api.ts";
import { ChatStore } from "../../ui/shared/chat-store.ts";
import type { BackendEvent } from "../../ui/shared/types.ts";
import { MemoryPersistence } from "../../ui/web/src/relay/persist.ts";
import type { RelayBackend } from "../../ui/web/src/relay/relay-backend.ts";
import { waitFor } from "./relay-helpers.ts";
import { allOf, relayHistorySuite } from "./relay-history.ts";

setDefaultTimeout(60_000);
const N = 1600; // four pages of 500 below the newest one
let node: FelundNode;
let circleId = "";
/** the node's history of #general, oldest first */
let history: string[] = [];
const suite = relayHistorySuite(N, (h) => ({ node, circleId, history } = h));

/** #general on the node now, oldest first */
const nodeIds = () => node.store.channelMessages(circleId, "general", { limit: N + 100 }).map((m) => m.msgId);

/** A relay-only peer; `slow` delays each older page (the fill then takes a while); `strip`: the relay knows no `before`. */
async function joiner(o: { persist?: MemoryPersistence; slowMs?: number; strip?: boolean; gets?: string[] } = {}) {
  const persist = o.persist ?? new MemoryPersistence();
  const fetchImpl: FetchLike = async (url, init) => {
    let u = url;
    if (o.strip && u.includes("before=")) u = u.replace(/&before=\d+/, "").replace(/&count=1/, "");
    if (init?.method === "GET" || !init?.method) o.gets?.push(u);
    if (o.slowMs && /before=\d+/.test(u) && !u.includes("count=1")) await Bun.sleep(o.slowMs);
    return fetch(u, init as RequestInit);
  };
  const { b, events } = await suite.open(persist, fetchImpl);
  return { b, persist, events };
}

/** every message of #general in the peer's store (its ids), paging back from the newest as the log does */
const allIds = async (b: RelayBackend) => (await allOf(b, circleId)).map((m) => m.msgId);

const chatIds = (events: BackendEvent[]) =>
  events.flatMap((e) => (e.t === "message" && e.message.channelId === "general" ? [e.message.msgId] : []));
const fills = (events: BackendEvent[]) =>
  events.filter((e) => e.t === "fill") as Extract<BackendEvent, { t: "fill" }>[];

test("newest page first, then the older history behind it: every message once, in order, with progress", async () => {
  const j = await joiner({ slowMs: 300 });
  await j.b.joinCircle(node.inviteCode(circleId));
  // the newest page (200 envelopes) is what is announced one by one: the newest messages, none older
  await waitFor("the newest page", () => chatIds(j.events).includes(history.at(-1)!), 15_000);
  const first = await waitFor("the fill's first progress", () => fills(j.events)[0], 5_000);
  expect(first.total).toBeGreaterThanOrEqual(N);
  expect(first.done).toBe(false);

  // while older pages come in: the log's newest page reads, and a message sent goes out
  const newest = (await j.b.listMessages(circleId, "general", { limit: 50 })).filter((m) => !m.event);
  expect(newest.map((m) => m.msgId)).toEqual(history.slice(-newest.length));
  const sent = await j.b.send(circleId, "general", "written while the history fills");
  expect(fills(j.events).at(-1)!.done).toBe(false); // (still filling: the send did not wait for it)
  await waitFor("the node has it", () => node.store.hasMessage(sent.msgId), 15_000);

  await waitFor("the fill is done", () => fills(j.events).some((f) => f.done), 30_000);
  const progress = fills(j.events)
    .filter((f) => !f.done)
    .map((f) => f.got);
  expect(progress.length).toBeGreaterThanOrEqual(4);
  expect(progress).toEqual([...progress].sort((a, b) => a - b));
  // announced one by one: only the newest page's (the older pages are read from the store when scrolled to)
  const announced = chatIds(j.events).filter((id) => id !== sent.msgId);
  expect(announced.length).toBeLessThanOrEqual(200);
  expect(history.slice(-announced.length)).toEqual(
    [...announced].sort((a, b) => history.indexOf(a) - history.indexOf(b)),
  );

  const got = await allIds(j.b);
  expect(got).toEqual([...history, sent.msgId]);
  const saved = j.persist.snap.messages.filter((m) => m.circleId === circleId && m.channelId === "general");
  expect(new Set(saved.map((m) => m.msgId)).size).toBe(saved.length);
  expect(saved.length).toBe(N + 1);
  expect((await j.b.getState()).circles.find((c) => c.circleId === circleId)?.fill).toBeUndefined();
});

test("a reload in the middle of the fill goes on from the older cursor; nothing lost, nothing twice", async () => {
  const gets: string[] = [];
  const persist = new MemoryPersistence();
  const j = await joiner({ persist, slowMs: 300, gets });
  await j.b.joinCircle(node.inviteCode(circleId));
  await waitFor("two older pages", () => fills(j.events).filter((f) => !f.done).length >= 3, 20_000);
  j.b.close();
  const had = persist.snap.messages.length;
  expect(had).toBeGreaterThan(500);
  expect(had).toBeLessThan(N);
  const again = await joiner({ persist, gets });
  await waitFor("the fill is done after the reload", () => fills(again.events).some((f) => f.done), 30_000);
  expect(await allIds(again.b)).toEqual(nodeIds());
  // after the reload: no newest page again (its forward cursor was saved), only older pages from where it was
  const afterReload = gets.slice(gets.findLastIndex((u) => u.includes("count=1")) + 1);
  expect(afterReload.filter((u) => u.includes("before=")).length).toBeLessThanOrEqual(4);
  const ids = persist.snap.messages.map((m) => m.msgId);
  expect(new Set(ids).size).toBe(ids.length);
});

test("a relay that knows no `before` (it answers from the start): paged forward, every message", async () => {
  const j = await joiner({ strip: true });
  await j.b.joinCircle(node.inviteCode(circleId));
  await waitFor("all of #general", async () => (await allIds(j.b)).length >= nodeIds().length, 30_000);
  const got = await allIds(j.b);
  expect(got).toEqual(nodeIds());
  expect(fills(j.events)).toEqual([]);
});

test("the chat store: a fill event marks the loaded channels of its circle as having older messages", async () => {
  const j = await joiner({ slowMs: 200 });
  const store = new ChatStore(j.b);
  await store.init();
  await j.b.joinCircle(node.inviteCode(circleId));
  await store.refresh();
  await store.select(circleId, "general");
  await waitFor("a fill event", () => fills(j.events).some((f) => !f.done), 15_000);
  await waitFor("older messages known", () => store.state.hasMore[`${circleId}/general`] === true, 5_000);
  expect(store.state.fill[circleId]?.done).toBe(false);
  store.dispose();
});
