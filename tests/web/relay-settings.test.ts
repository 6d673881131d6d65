// The relay-only peer's settings (served by its actions chunk): a relay URL is checked, saved
// and used from then on; a display name is saved and told to every circle by a fresh card.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { removeTempDirs } from "../cli/helpers.ts";
import { api, launchBrowser, newPage, startServe, type ServeNode } from "./browser.ts";
import { FelundError } from "../../src/protocol/errors.ts";
import type { MessageView } from "../../ui/shared/types.ts";
import { MemoryPersistence } from "../../ui/web/src/relay/persist.ts";
import { RelayBackend } from "../../ui/web/src/relay/relay-backend.ts";
import { startRelay, type TestRelay } from "./relay-helpers.ts";

let relay: TestRelay;
let other: TestRelay;
beforeAll(() => {
  relay = startRelay();
  other = startRelay();
});
afterAll(() => {
  relay.stop();
  other.stop();
});

test("relay URL and display name: checked, saved, in the state, the name in a new card", async () => {
  const persist = new MemoryPersistence();
  const b = await RelayBackend.open({ relayBase: relay.base, persist, pollMs: 300, idlePollMs: 2000 });
  try {
    const { circleId } = await b.createCircle("settings");
    const err = await b.updateSettings({ relayBase: "ftp://relay.example" }).catch((e) => e);
    expect(err).toBeInstanceOf(FelundError);
    expect(err).toMatchObject({ code: "E_BAD_INPUT", message: "relay URL must start with http:// or https://" });

    await b.updateSettings({ relayBase: `${other.base}/` });
    expect((await b.getState()).node.relayBase).toBe(other.base);
    expect(persist.snap.node?.relayBase).toBe(other.base);

    const written: MessageView[] = [];
    const off = b.subscribe((e) => void (e.t === "message" && written.push(e.message)));
    await b.updateSettings({ displayName: "  renamed  " });
    off();
    expect((await b.getState()).node.displayName).toBe("renamed");
    expect(persist.snap.node?.displayName).toBe("renamed");
    expect(written).toMatchObject([{ circleId, displayName: "renamed", own: true, verified: "sig" }]);
  } finally {
    b.close();
  }
});

// A relay URL that does not answer its health check is refused, and nothing is saved
// (before: a mistyped URL was saved and reported "settings saved").
const DEAD = "http://127.0.0.1:1";

test("an unreachable relay URL is refused with the reason, and not saved", async () => {
  const persist = new MemoryPersistence();
  const b = await RelayBackend.open({ relayBase: relay.base, persist, pollMs: 300, idlePollMs: 2000 });
  try {
    const err = await b.updateSettings({ relayBase: DEAD }).catch((e) => e);
    expect(err).toBeInstanceOf(FelundError);
    expect(err.code).toBe("E_UNREACHABLE");
    expect(err.message).toContain(`relay ${DEAD} did not pass its health check`);
    expect((await b.getState()).node.relayBase).toBe(relay.base);
    expect(persist.snap.node?.relayBase).not.toBe(DEAD);
    // a server that answers, but not as a relay
    const notRelay = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("<html>hi</html>") });
    try {
      const e2 = await b.updateSettings({ relayBase: `http://127.0.0.1:${notRelay.port}` }).catch((e) => e);
      expect(e2).toMatchObject({ code: "E_UNREACHABLE" });
    } finally {
      notRelay.stop(true);
    }
    expect((await b.getState()).node.relayBase).toBe(relay.base);
  } finally {
    b.close();
  }
});

describe("F3 in the browser refuses an unreachable relay", () => {
  let browser: Browser;
  let node: ServeNode;
  beforeAll(async () => {
    [browser, node] = await Promise.all([launchBrowser(), startServe("sam")]);
  }, 40_000);
  afterAll(async () => {
    await browser?.close();
    node?.stop();
    removeTempDirs();
  });

  async function refuse(p: Page) {
    await p.keyboard.press("F3");
    await p.waitForSelector('[data-testid="settings-modal"]');
    await p.fill('input[name="relayBase"]', DEAD);
    await p.click('[data-testid="settings-modal"] button[type="submit"]');
    const alert = await p.waitForSelector('[data-testid="settings-modal"] [role="alert"]');
    expect(await alert.textContent()).toContain("did not pass its health check");
    // still open, nothing saved
    expect(await p.$('[data-testid="settings-modal"]')).not.toBeNull();
  }

  for (const [name, size] of [
    ["desktop", { width: 1200, height: 760 }],
    ["phone", { width: 390, height: 844 }],
  ] as const) {
    test(`${name}: local mode, the node keeps its relay setting`, async () => {
      const { page: p, errors } = await newPage(browser, size);
      await p.goto(node.url);
      await p.waitForSelector('[data-testid="setup"], [data-testid="channel-title"]');
      await refuse(p);
      expect((await api(node, "GET", "/state")).node.relayBase).toBe("");
      expect(errors).toEqual([]);
    }, 30_000);

    test(`${name}: relay-only mode, the browser keeps its relay`, async () => {
      const web = startRelay({ web: true });
      try {
        const { page: p, errors } = await newPage(browser, size);
        await p.goto(web.base + "/");
        await p.waitForSelector('[data-testid="setup"]');
        await p.fill('input[name="displayName"]', "tess");
        await p.fill('input[name="circleName"]', "pub");
        await p.click('[data-testid="setup-form"] button[type="submit"]');
        await p.waitForSelector('[data-testid="channel-title"]');
        await refuse(p);
        await p.keyboard.press("Escape");
        await p.keyboard.press("F3");
        expect(await p.inputValue('input[name="relayBase"]')).toBe(web.base);
        expect(errors).toEqual([]);
      } finally {
        web.stop();
      }
    }, 30_000);
  }
});
