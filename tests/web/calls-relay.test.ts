// Calls across the two kinds of peer: alice on a local node (`felund serve --relay`), carol and
// dave relay-only browsers (their own v2 peers), everything in a loopback-only network
// namespace (tests/web/netns.ts). Signals go through the relay's /v1/signal, sealed and
// signed: audio both ways between the node's page and a relay-only page, a three-way mesh, mute,
// an END forged by a member who is not the host (a valid signature, through the relay) is
// refused by every peer, a non-host's /call end is refused, leave, and the host's END.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { openDb } from "../../db/client.ts";
import { NodeStore } from "../../db/node-store.ts";
import { dbPath } from "../../src/node/runtime.ts";
import { fromHex } from "../../src/protocol/bytes.ts";
import { circleHint } from "../../src/protocol/ids.ts";
import { encodeEvent } from "../../src/protocol/v2/control-encode.ts";
import { sealEnvelopeV2 } from "../../src/protocol/v2/envelope.ts";
import { nodeKeysFromSeed } from "../../src/protocol/v2/keys.ts";
import { KIND_CONTROL, signMessage } from "../../src/protocol/v2/message.ts";
import { epochKey } from "../../src/sync/v2-apply.ts";
import { removeTempDirs } from "../cli/helpers.ts";
import { say } from "./browser.ts";
import { waitFor } from "./relay-helpers.ts";
import { Netns, callStats, nodeApi, statOf, pageFetch, type NsNode } from "./netns.ts";

let ns: Netns;
let browser: Browser;
let relay: { base: string };
let A: NsNode;
let pa: Page;
let pc: Page;
let pd: Page;
let circleId = "";
const errors: string[] = [];
const ids: Record<string, string> = {};

async function page(who: string): Promise<Page> {
  const p = await (await browser.newContext({ viewport: { width: 1200, height: 800 } })).newPage();
  p.setDefaultTimeout(10_000);
  p.on("pageerror", (e) => errors.push(`${who}: ${e.message}`));
  return p;
}

/** A relay-only browser joins with the node's code at first run (admitted through the relay). */
async function joinFromRelay(p: Page, name: string, code: string) {
  await p.goto(relay.base + "/");
  await p.fill('input[name="displayName"]', name);
  await p.click('text="Join with a code"');
  await p.fill('textarea[name="code"]', code);
  await p.click('[data-testid="setup-form"] button[type="submit"]');
  await p.waitForSelector('[data-testid="channel-title"]', { timeout: 20_000 });
}

const myId = (p: Page) =>
  p.evaluate(() => document.querySelector('[data-testid="status"] span[title]')?.getAttribute("title") ?? "");

beforeAll(async () => {
  ns = Netns.create("callsr");
  [browser, relay] = await Promise.all([ns.browser(), ns.relay()]);
  A = await ns.serve("alice", ["--relay", relay.base]);
  [pa, pc, pd] = await Promise.all([page("alice"), page("carol"), page("dave")]);
  await pa.goto(A.url);
  const made = await nodeApi(pa, A, "POST", "/circles", { name: "mixed" });
  circleId = made.circleId;
  await pa.reload();
  await pa.waitForSelector('[data-testid="channel-title"]');
  await joinFromRelay(pc, "carol", made.code);
  await joinFromRelay(pd, "dave", (await nodeApi(pa, A, "GET", `/circles/${circleId}/invite`)).code);
  for (const [k, p] of [
    ["alice", pa],
    ["carol", pc],
    ["dave", pd],
  ] as const)
    ids[k] = await myId(p);
}, 80_000);

afterAll(async () => {
  await browser?.close().catch(() => {});
  ns?.close();
  removeTempDirs();
});

const stat = statOf;
const status = (p: Page, id: string) =>
  p.getAttribute(`[data-testid="participant"][data-node="${id}"]`, "data-status").catch(() => null);
const linked = async (p: Page, others: string[]) =>
  (await Promise.all(others.map((o) => status(p, o)))).every((s) => s === "connected");
async function flowing(p: Page, from: string[]) {
  const before = await Promise.all(from.map((f) => stat(p, f)));
  await Bun.sleep(1200);
  const after = await Promise.all(from.map((f) => stat(p, f)));
  return after.every((a, i) => a.inBytes > before[i]!.inBytes);
}

describe("calls between a local node's page and relay-only browsers (relay signalling)", () => {
  test("alice (local node) starts; carol (relay-only) joins; audio flows both ways", async () => {
    await say(pa, "/call start");
    await pc.waitForSelector('[data-testid="call-status"]', { timeout: 15_000 });
    await say(pc, "/call join");
    await waitFor(
      "alice and carol linked",
      async () => (await linked(pa, [ids.carol!])) && (await linked(pc, [ids.alice!])),
      25_000,
    );
    expect(await flowing(pa, [ids.carol!])).toBe(true);
    expect(await flowing(pc, [ids.alice!])).toBe(true);
  }, 45_000);

  test("dave (relay-only) joins: a three-way mesh, everyone hears both others", async () => {
    await pd.waitForSelector('[data-testid="call-status"]', { timeout: 10_000 });
    await say(pd, "/call join");
    await waitFor(
      "three-way links",
      async () =>
        (await linked(pa, [ids.carol!, ids.dave!])) &&
        (await linked(pc, [ids.alice!, ids.dave!])) &&
        (await linked(pd, [ids.alice!, ids.carol!])),
      25_000,
    );
    const results = await Promise.all([
      flowing(pa, [ids.carol!, ids.dave!]),
      flowing(pc, [ids.alice!, ids.dave!]),
      flowing(pd, [ids.alice!, ids.carol!]),
    ]);
    expect(results).toEqual([true, true, true]);
    expect(await pa.textContent('[data-testid="call-status"]')).toContain("(3)");
  }, 45_000);

  test("carol mutes: nothing more of her audio reaches alice or dave", async () => {
    await pc.click('[data-testid="call-mute"]');
    await Bun.sleep(600);
    const a0 = await stat(pa, ids.carol!);
    const d0 = await stat(pd, ids.carol!);
    await Bun.sleep(1500);
    expect((await stat(pa, ids.carol!)).inBytes).toBe(a0.inBytes);
    expect((await stat(pd, ids.carol!)).inBytes).toBe(d0.inBytes);
    expect((await stat(pd, ids.alice!)).inBytes).toBeGreaterThan(0);
    await pc.click('[data-testid="call-mute"]');
  }, 15_000);

  test("an END signed by a member who is not the host, sent through the relay, is refused by every peer", async () => {
    const call = (await nodeApi(pa, A, "GET", "/calls")).calls[0];
    // a member's key (valid signature, the circle's key for the envelope), but not the host's
    const store = new NodeStore(openDb(dbPath(A.dir)));
    const circle = store.getCircle(circleId)!;
    const ek = epochKey(store, circle, circle.keyEpoch)!;
    store.sql.close();
    const mallory = nodeKeysFromSeed(crypto.getRandomValues(new Uint8Array(32)));
    const forged = signMessage(mallory.edSecret, {
      circleId,
      channelId: "__control",
      authorKey: mallory.edPublic,
      createdTs: Math.floor(Date.now() / 1000),
      keyEpoch: circle.keyEpoch,
      kind: KIND_CONTROL,
      displayName: "mallory",
      body: encodeEvent({ t: "call", op: "end", sessionId: call.sessionId, channelId: "" }),
      salt: crypto.getRandomValues(new Uint8Array(16)),
    });
    const env = sealEnvelopeV2(
      { secret: fromHex(circle.secretHex), epoch: circle.keyEpoch, epochKey: ek, message: forged },
      crypto.getRandomValues(new Uint8Array(12)),
    );
    const posted = await pageFetch(pc, `${relay.base}/v1/messages`, {
      method: "POST",
      body: { circle_hint: circleHint(circleId), messages: [env] },
    });
    expect(posted.ok).toBe(true);
    // a message sent after it arrives everywhere: the forged END was seen (and refused) before it
    await say(pc, "after the forged end");
    for (const p of [pa, pd])
      await p.waitForFunction(
        () =>
          [...document.querySelectorAll('[data-testid="message"] .msg-text')].some(
            (e) => e.textContent === "after the forged end",
          ),
        undefined,
        { timeout: 15_000 },
      );
    await waitFor(
      "alice's node has carol's message",
      async () =>
        (
          (await nodeApi(pa, A, "GET", `/circles/${circleId}/messages?channel=general`)).messages as { text: string }[]
        ).some((m) => m.text === "after the forged end"),
      10_000,
    );
    expect((await nodeApi(pa, A, "GET", "/calls")).calls.map((c: { sessionId: string }) => c.sessionId)).toEqual([
      call.sessionId,
    ]);
    for (const p of [pa, pc, pd]) expect(await p.textContent('[data-testid="call-status"]')).toContain("(3)");
    expect(await linked(pd, [ids.alice!, ids.carol!])).toBe(true);
  }, 40_000);

  test("carol is no host: /call end is refused; she leaves and the others drop her", async () => {
    await say(pc, "/call end");
    await pc.waitForSelector("text=only the host (alice) can end this call");
    await pc.click('[data-testid="call-leave"]');
    await pa.waitForSelector(`[data-testid="participant"][data-node="${ids.carol}"]`, { state: "detached" });
    await pd.waitForSelector(`[data-testid="participant"][data-node="${ids.carol}"]`, { state: "detached" });
    expect(await flowing(pd, [ids.alice!])).toBe(true);
  }, 20_000);

  test("alice ends the call for everyone", async () => {
    await pa.click('[data-testid="call-end"]');
    await pd.waitForSelector("text=was ended by its host", { timeout: 15_000 });
    for (const p of [pa, pc, pd])
      await p.waitForSelector('[data-testid="call-status"]', { state: "detached", timeout: 10_000 });
    expect((await callStats(pd)).length).toBe(0);
  }, 25_000);

  test("no page errors", () => {
    expect(errors).toEqual([]);
  });
});
