// Signed relay requests as a client (PROTOCOL-V1.md §6.5), against a stand-in for the newer
// original PHP relay that refuses anything not signed by its rules (strict-relay.ts): a node
// and a relay-only browser peer (in Bun) share a legacy circle through it, both ways; the
// same client keeps working with relays that do not take the headers (an older relay seen
// from a page of another origin refuses them in its CORS preflight); v2-only circles do not sign;
// and once in Chromium, the relay-only web client served by that relay.
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { circleHint } from "../../src/protocol/ids.ts";
import { fromHex, toHex } from "../../src/protocol/bytes.ts";
import { relaySigningKey } from "../../src/protocol/relay-sig.ts";
import { decodeInvite } from "../../src/protocol/invite.ts";
import { type FetchLike, RelayApi } from "../../src/peer/relay/api.ts";
import { legacySigner } from "../../src/peer/relay/signer.ts";
import type { FelundNode } from "../../src/node/node.ts";
import { RelayBackend } from "../../ui/web/src/relay/relay-backend.ts";
import { MemoryPersistence } from "../../ui/web/src/relay/persist.ts";
import { startV2Node } from "../node/helpers.ts";
import { waitFor } from "./relay-helpers.ts";
import { startStrictRelay } from "./strict-relay.ts";
import { startRelay } from "./relay-helpers.ts";
import { launchBrowser, newPage, say } from "./browser.ts";

setDefaultTimeout(30_000);
const cleanup: (() => void)[] = [];
afterAll(() => {
  while (cleanup.length) cleanup.pop()!();
});

test("a node and a relay-only browser share a legacy circle through a relay that requires signatures", async () => {
  const relay = startStrictRelay();
  cleanup.push(() => relay.stop());
  const node: FelundNode = await startV2Node("nora", { relay: relay.base });
  cleanup.push(() => node.stop());
  const { circleId } = node.createCircle("signed", { legacy: true });
  const code = node.inviteCode(circleId);
  const b = await RelayBackend.open({
    relayBase: relay.base,
    persist: new MemoryPersistence(),
    pollMs: 300,
    idlePollMs: 2000,
    reconnectMs: 200,
  });
  cleanup.push(() => b.close());
  const got: string[] = [];
  b.subscribe((e) => {
    if (e.t === "message" && !e.message.own) got.push(e.message.text);
  });
  await b.joinCircle(code);
  const browserId = (await b.getState()).node.nodeId;

  const sent = await b.send(circleId, "general", "from the browser");
  await waitFor("node has it", () => node.store.hasMessage(sent.msgId), 10_000);
  node.send(circleId, "general", "from the node");
  await waitFor("browser has it", () => got.includes("from the node"), 10_000);

  // both registered the circle's key, and the relay refused nothing of this circle
  const hint = circleHint(circleId);
  const inv = decodeInvite(code);
  if (!inv.ok) throw new Error(inv.reason);
  const key = toHex(relaySigningKey(fromHex(inv.value.secretHex)));
  expect(relay.keys.get(`${hint}|${node.nodeId}`)).toBe(key);
  expect(relay.keys.get(`${hint}|${browserId}`)).toBe(key);
  const mine = relay.log.filter((l) => l.hint === hint && l.path !== "/relay/ws"); // (no WebSocket there: polling)
  for (const path of ["/register", "/peers", "/messages"]) expect(mine.some((l) => l.path === path)).toBe(true);
  // a push may reach the relay before that peer's first register (it is then retried), and the node's first
  // history push asks for the batch endpoint this original relay lacks (404, then POST /messages); nothing else is refused
  const probe = (l: { method: string; path: string; status: number }) =>
    l.method === "POST" && (l.path === "/messages" || (l.path === "/messages/batch" && l.status === 404));
  expect(mine.filter((l) => l.status !== 200 && !probe(l))).toEqual([]);
  expect(mine.filter((l) => l.path === "/messages/batch").length).toBeLessThanOrEqual(1);
  expect(mine.every((l) => l.signed)).toBe(true);
  // the browser's goodbye is signed too: the relay drops its presence
  b.goodbye();
  await waitFor("unregistered", () => relay.log.some((l) => l.method === "DELETE" && l.hint === hint));
  expect(relay.log.filter((l) => l.method === "DELETE").map((l) => [l.status, l.signed])).toEqual([[200, true]]);
});

test("with felund's relay the same clients register their key and pass its checks; the key stays theirs", async () => {
  const relay = startRelay();
  cleanup.push(() => relay.stop());
  const node: FelundNode = await startV2Node("nell", { relay: relay.base });
  cleanup.push(() => node.stop());
  const { circleId } = node.createCircle("ours", { legacy: true });
  const b = await RelayBackend.open({ relayBase: relay.base, persist: new MemoryPersistence(), pollMs: 300 });
  b.subscribe(() => {}); // starts its relay loop
  cleanup.push(() => b.close());
  await b.joinCircle(node.inviteCode(circleId));
  const sent = await b.send(circleId, "general", "through our relay");
  await waitFor("node has it", () => node.store.hasMessage(sent.msgId), 10_000);
  const inv = decodeInvite(node.inviteCode(circleId));
  if (!inv.ok) throw new Error(inv.reason);
  const key = toHex(relaySigningKey(fromHex(inv.value.secretHex)));
  const rows = () =>
    relay.db.$client
      .query("SELECT node_id, signing_key FROM relay_presence WHERE circle_hint = ? ORDER BY node_id")
      .all(circleHint(circleId)) as { node_id: string; signing_key: string }[];
  await waitFor("both registered", () => rows().length === 2);
  expect(rows().map((r) => r.signing_key)).toEqual([key, key]);
  // an unsigned register of the node's id (anyone can send one) does not take its key or presence
  const res = await fetch(`${relay.base}/v1/register`, {
    method: "POST",
    body: JSON.stringify({ node_id: node.nodeId, circle_hint: circleHint(circleId), endpoints: [] }),
  });
  expect(res.status).toBe(401);
  expect(rows().find((r) => r.node_id === node.nodeId)?.signing_key).toBe(key);
});

test("a v2-only circle's requests are not signed (only legacy circles sign)", async () => {
  const relay = startStrictRelay();
  cleanup.push(() => relay.stop());
  const node: FelundNode = await startV2Node("vera", { relay: relay.base });
  cleanup.push(() => node.stop());
  const { circleId } = node.createCircle("modern");
  const hint = circleHint(circleId);
  await waitFor("presence", () => relay.log.some((l) => l.hint === hint && l.path === "/peers"));
  expect(relay.log.filter((l) => l.hint === hint && l.path !== "/relay/ws").every((l) => !l.signed)).toBe(true);
  expect(relay.keys.get(`${hint}|${node.nodeId}`)).toBe("");
});

test("a relay that refuses the signature headers (an older one, from another origin) is used unsigned, until it asks for them", async () => {
  const seen: { signed: boolean; body: string }[] = [];
  let cors = false; // the relay's preflight lists the headers
  let wants = false; // the relay checks signatures
  const fetchImpl: FetchLike = async (_url, init) => {
    const signed = "X-Felund-Signature" in init.headers;
    if (signed && !cors) throw new TypeError("Failed to fetch"); // what a browser says when a preflight fails
    seen.push({ signed, body: init.body ?? "" });
    if (wants && !signed) return Response.json({ ok: false, code: "INVALID_SIGNATURE" }, { status: 401 });
    return Response.json({ ok: true, peers: [] });
  };
  const secret = new Uint8Array(32).fill(3);
  let t = 1_900_000_000;
  let n = 0;
  const signer = legacySigner(
    secret,
    "a1b2c3d4e5f60718293a4b5c",
    () => t++,
    () => new Uint8Array(16).fill(++n),
  );
  const api = new RelayApi("http://relay.invalid", "a1b2c3d4e5f60718293a4b5c", fetchImpl, () => signer);
  await api.register("e03c84dccc271635", [], "ws");
  expect(seen.map((s) => s.signed)).toEqual([false]);
  expect(JSON.parse(seen[0]!.body).signing_key).toBe(signer.keyHex); // an older relay ignores the field
  await api.peers("e03c84dccc271635");
  expect(seen.map((s) => s.signed)).toEqual([false, false]); // no signed try any more
  // the relay now checks (a newer one at that address): one 401, then signed again
  cors = true;
  wants = true;
  await expect(api.peers("e03c84dccc271635")).rejects.toThrow(/HTTP 401/);
  expect(await api.peers("e03c84dccc271635")).toEqual([]);
  expect(seen.map((s) => s.signed)).toEqual([false, false, false, true]);
  // a relay that is simply down stays an error, signed or not
  const down = new RelayApi(
    "http://relay.invalid",
    "n1234567",
    async () => {
      throw new TypeError("connection refused");
    },
    () => signer,
  );
  await expect(down.peers("e03c84dccc271635")).rejects.toThrow(/unreachable/);
});

test("a real browser served by that relay (the legacy chunk signs) chats with the node in a legacy circle", async () => {
  const relay = startStrictRelay({ web: true });
  cleanup.push(() => relay.stop());
  const node: FelundNode = await startV2Node("nils", { relay: relay.base });
  cleanup.push(() => node.stop());
  const { circleId } = node.createCircle("classic", { legacy: true });
  const code = node.inviteCode(circleId);
  const browser = await launchBrowser();
  cleanup.push(() => void browser.close());
  const { page, errors } = await newPage(browser);
  await page.goto(`${relay.base}/`);
  await page.fill('input[name="displayName"]', "petra");
  await page.click('text="Join with a code"');
  await page.fill('textarea[name="code"]', code);
  await page.click('[data-testid="setup-form"] button[type="submit"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="sidebar"]')?.textContent?.includes("classic"));
  await say(page, "signed hello");
  await waitFor(
    "node has it",
    () => node.store.channelMessages(circleId, "general", { limit: 20 }).some((m) => m.text === "signed hello"),
    10_000,
  );
  node.send(circleId, "general", "node answers");
  await page.waitForFunction(
    () =>
      [...document.querySelectorAll('[data-testid="message"] .msg-text')].some((e) => e.textContent === "node answers"),
    undefined,
    { timeout: 10_000 },
  );
  const hint = circleHint(circleId);
  const fromPage = relay.log.filter((l) => l.hint === hint && l.path !== "/relay/ws");
  // (the node's one probe for the batch endpoint, 404 on this original relay, aside)
  const probed = (l: { method: string; path: string; status: number }) =>
    l.method === "POST" && (l.path === "/messages" || (l.path === "/messages/batch" && l.status === 404));
  expect(fromPage.filter((l) => l.status !== 200 && !probed(l))).toEqual([]);
  expect(fromPage.every((l) => l.signed)).toBe(true);
  expect([...relay.keys].filter(([k, v]) => k.startsWith(`${hint}|`) && v).length).toBe(2);
  expect(errors).toEqual([]);
}, 40_000);
