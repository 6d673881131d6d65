// Calls between two local nodes (no relay: signals ride the v2 session between the nodes),
// each with its own Chromium page (fake microphone and camera), all inside a network namespace
// that holds only loopback (tests/web/netns.ts): start, join, audio both ways (getStats), mute
// stops the outgoing audio, camera tiles, leave, only the host ends it, the host ends it for
// everyone, and a page that vanishes is dropped (its node leaves the call for it).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { removeTempDirs } from "../cli/helpers.ts";
import { say } from "./browser.ts";
import { waitFor } from "./relay-helpers.ts";
import { Netns, callStats, nodeApi, statOf, type NsNode } from "./netns.ts";

let ns: Netns;
let browser: Browser;
let A: NsNode;
let B: NsNode;
let pa: Page;
let pb: Page;
let circleId = "";
const errors: string[] = [];

beforeAll(async () => {
  ns = Netns.create("callsl");
  [browser, A, B] = await Promise.all([ns.browser(), ns.serve("alice"), ns.serve("bob")]);
  for (const who of ["A", "B"] as const) {
    const ctx = await browser.newContext({ viewport: { width: 1200, height: 800 } });
    const p = await ctx.newPage();
    p.setDefaultTimeout(10_000);
    p.on("pageerror", (e) => errors.push(`${who}: ${e.message}`));
    if (who === "A") pa = p;
    else pb = p;
  }
  await pa.goto(A.url);
  await pb.goto(B.url);
  const made = await nodeApi(pa, A, "POST", "/circles", { name: "callers" });
  circleId = made.circleId;
  const joined = await nodeApi(pb, B, "POST", "/circles/join", { code: made.code });
  expect(joined.ok).toBe(true);
  await pa.reload();
  await pb.reload();
  await pa.waitForSelector('[data-testid="channel-title"]');
  await pb.waitForSelector('[data-testid="channel-title"]');
}, 60_000);

afterAll(async () => {
  await browser?.close().catch(() => {});
  ns?.close();
  removeTempDirs();
});

const stat = statOf;
const nodeIdOf = async (p: Page, n: NsNode) => (await nodeApi(p, n, "GET", "/state")).node.nodeId as string;
const participantStatus = (p: Page, id: string) =>
  p.getAttribute(`[data-testid="participant"][data-node="${id}"]`, "data-status").catch(() => null);

describe("calls between two local nodes (v2 session signalling)", () => {
  let a = "";
  let b = "";

  test("alice starts a call with /call start; bob sees it in the status line and joins with /call join", async () => {
    a = await nodeIdOf(pa, A);
    b = await nodeIdOf(pb, B);
    await say(pa, "/call start");
    await pa.waitForSelector('[data-testid="call-panel"] [data-testid="participant"]');
    await pb.waitForSelector('[data-testid="call-status"]', { timeout: 10_000 });
    expect(await pb.textContent('[data-testid="call-status"]')).toContain("call in #general (1)");
    // F4 opens the panel: the call is listed with a Join button
    await pb.keyboard.press("F4");
    await pb.waitForSelector('[data-testid="call-join"]');
    await pb.keyboard.press("F4"); // F4 toggles
    await pb.waitForSelector('[data-testid="call-panel"]', { state: "detached" });
    await pb.click('[data-testid="call-status"]'); // so does the status line
    await pb.waitForSelector('[data-testid="call-join"]');
    await say(pb, "/call join");
    await waitFor(
      "both linked",
      async () => (await participantStatus(pa, b)) === "connected" && (await participantStatus(pb, a)) === "connected",
      20_000,
    );
    expect(await pb.textContent('[data-testid="call-status"]')).toContain("(2)");
  }, 40_000);

  test("audio flows both ways (inbound-rtp bytes grow on both pages)", async () => {
    const a0 = await stat(pa, b);
    const b0 = await stat(pb, a);
    await Bun.sleep(1500);
    const a1 = await stat(pa, b);
    const b1 = await stat(pb, a);
    expect(a1.inBytes).toBeGreaterThan(a0.inBytes);
    expect(b1.inBytes).toBeGreaterThan(b0.inBytes);
    expect(a1.outBytes).toBeGreaterThan(a0.outBytes);
    // the fake microphone beeps: the level meters move
    await waitFor(
      "a level on bob's meter of alice",
      async () =>
        Number(
          await pb.getAttribute(`[data-testid="participant"][data-node="${a}"] [data-testid="vu"]`, "data-level"),
        ) > 0,
      5000,
    );
  }, 15_000);

  test("mute stops alice's outgoing audio; unmute brings it back", async () => {
    await pa.click('[data-testid="call-mute"]');
    await Bun.sleep(600);
    const m0 = await stat(pa, b);
    const r0 = await stat(pb, a);
    await Bun.sleep(1500);
    const m1 = await stat(pa, b);
    const r1 = await stat(pb, a);
    expect(m1.outBytes).toBe(m0.outBytes);
    expect(r1.inBytes).toBe(r0.inBytes);
    await pb.waitForSelector(`[data-testid="participant"][data-node="${a}"] .pill[title="muted"]`);
    await pa.click('[data-testid="call-mute"]');
    await waitFor("audio again", async () => (await stat(pa, b)).outBytes > m1.outBytes, 5000);
  }, 15_000);

  test("a network change restarts ICE (the offering side renegotiates) and the audio goes on", async () => {
    const offerer = a < b ? pa : pb;
    const other = a < b ? b : a;
    const before = await stat(offerer, other);
    await offerer.evaluate(() => dispatchEvent(new Event("online")));
    // new ICE credentials: a real restart, negotiated through the sealed signals
    // (12 s: a lost offer or answer is offered again after 6 s)
    await waitFor(
      "a restart",
      async () => {
        const s = await stat(offerer, other);
        return s.restarts > before.restarts && s.ufrag !== before.ufrag;
      },
      12_000,
    );
    await Bun.sleep(1000);
    const mid = await stat(offerer, other);
    expect(mid.state).toBe("connected");
    await waitFor("audio after the restart", async () => (await stat(offerer, other)).inBytes > mid.inBytes, 5000);
  }, 25_000);

  test("device pickers list the microphones and cameras; switching the microphone keeps the audio going", async () => {
    await pa.click(".devices summary");
    const mics = await pa.$$eval('[data-testid="mic-select"] option', (os) =>
      os.map((o) => (o as HTMLOptionElement).value),
    );
    expect(mics.length).toBeGreaterThan(1);
    expect(await pa.$$eval('[data-testid="camera-select"] option', (os) => os.length)).toBeGreaterThan(1);
    await pa.selectOption('[data-testid="mic-select"]', mics.at(-1)!);
    const s0 = await stat(pa, b);
    await waitFor(
      "audio from the other microphone",
      async () => (await stat(pa, b)).outBytes > s0.outBytes + 1000,
      5000,
    );
    await pa.click(".devices summary");
  }, 15_000);

  test("camera on shows alice's video tile on bob's page", async () => {
    await pa.click('[data-testid="call-camera"]');
    await pa.waitForSelector('[data-testid="video-tile"]');
    await pb.waitForSelector('[data-testid="video-tile"]', { timeout: 15_000 });
    await pa.click('[data-testid="call-camera"]');
    await pb.waitForSelector('[data-testid="video-tile"]', { state: "detached", timeout: 10_000 });
  }, 30_000);

  test("bob is no host: /call end is refused (by his page, and by his node)", async () => {
    await say(pb, "/call end");
    await pb.waitForSelector("text=only the host (alice) can end this call");
    const call = (await nodeApi(pb, B, "GET", "/calls")).calls[0];
    const r = await nodeApi(pb, B, "POST", `/circles/${circleId}/calls`, { op: "end", sessionId: call.sessionId });
    expect(r).toMatchObject({ ok: false });
    expect(r.error).toContain("only the host");
    expect((await nodeApi(pa, A, "GET", "/calls")).calls.length).toBe(1);
  });

  test("bob leaves; alice's panel drops him", async () => {
    await pb.click('[data-testid="call-leave"]');
    await pa.waitForSelector(`[data-testid="participant"][data-node="${b}"]`, { state: "detached" });
    expect((await callStats(pb)).length).toBe(0);
  });

  test("bob joins again from the panel; alice ends the call for everyone", async () => {
    await pb.click('[data-testid="call-join"]');
    await waitFor("linked again", async () => (await participantStatus(pb, a)) === "connected", 20_000);
    await pa.click('[data-testid="call-end"]');
    await pb.waitForSelector("text=was ended by its host", { timeout: 10_000 });
    await pb.waitForSelector('[data-testid="call-status"]', { state: "detached" });
    expect((await callStats(pb)).length).toBe(0);
    expect((await nodeApi(pb, B, "GET", "/calls")).calls).toEqual([]);
  }, 30_000);

  test("a page that vanishes (crash, no goodbye) is dropped by the others, and its node leaves the call for it", async () => {
    await say(pa, "/call start");
    await pb.waitForSelector('[data-testid="call-join"]');
    await pb.click('[data-testid="call-join"]');
    await waitFor("linked", async () => (await participantStatus(pa, b)) === "connected", 20_000);
    const cdp = await pb.context().newCDPSession(pb);
    void cdp.send("Page.crash").catch(() => {});
    const t0 = Date.now();
    // the link dies with the page; no signal comes: alice's mesh marks bob lost, then his node leaves for him
    await waitFor(
      "bob dropped from alice's panel",
      async () => (await participantStatus(pa, b)) !== "connected",
      40_000,
    );
    await waitFor(
      "bob's node left the call",
      async () => (await nodeApi(pa, A, "GET", "/calls")).calls[0]?.participants.length === 1,
      40_000,
    );
    await pa.waitForSelector(`[data-testid="participant"][data-node="${b}"]`, { state: "detached" });
    expect(Date.now() - t0).toBeLessThan(40_000);
    await pa.click('[data-testid="call-end"]');
  }, 60_000);

  test("no page errors", () => {
    expect(errors).toEqual([]);
  });
});
