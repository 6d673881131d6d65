// The relay-only browser's IndexedDB with compact rows (issue 17, ui/web/src/relay/mem-cold.ts),
// in Chromium: idb.ts itself, bundled and run in a page of the relay's origin. A compact row
// written again (its v2 columns without their wire) keeps the wire, signature and key stored; a
// long history is read back in batches, every record there, the compactable ones compact (their
// wire left in IndexedDB), the others whole (control events, our own not yet pushed).
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { launchBrowser, newPage } from "./browser.ts";
import { startRelay, type TestRelay } from "./relay-helpers.ts";

setDefaultTimeout(60_000);
let relay: TestRelay;
let browser: Browser;
let code = "";
const dir = mkdtempSync(join(tmpdir(), "felund-idb-"));

beforeAll(async () => {
  relay = startRelay();
  browser = await launchBrowser();
  const entry = join(dir, "entry.ts");
  writeFileSync(
    entry,
    `import { IdbPersistence } from ${JSON.stringify(join(import.meta.dir, "../../ui/web/src/relay/idb.ts"))};\n` +
      "(globalThis as unknown as { IdbPersistence: unknown }).IdbPersistence = IdbPersistence;\n",
  );
  const out = await Bun.build({ entrypoints: [entry], target: "browser", format: "esm" });
  if (!out.success) throw new Error(out.logs.join("\n"));
  code = await out.outputs[0]!.text();
});

afterAll(async () => {
  await browser?.close();
  relay?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("a compact row written again keeps its stored wire; a long history reads back whole, compact where it may", async () => {
  const { page } = await newPage(browser);
  await page.goto(relay.base + "/v1/health");
  await page.addScriptTag({ content: code, type: "module" });
  await page.waitForFunction(() => "IdbPersistence" in globalThis);
  const r = await page.evaluate(async () => {
    type Rec = Record<string, unknown> & {
      msgId: string;
      v2?: { wire: string; kind: number; keyEpoch: number; signature: string; authorKey: string };
    };
    const { IdbPersistence } = globalThis as unknown as {
      IdbPersistence: {
        open(name: string): Promise<{
          commit(c: { messages: Rec[] }): Promise<void>;
          load(): Promise<{ messages: Rec[] }>;
        }>;
      };
    };
    const p = await IdbPersistence.open("felund-compact-test");
    const v2 = (i: number, kind = 0) => ({
      authorKey: "ab".repeat(32),
      signature: "cd".repeat(64),
      keyEpoch: 0,
      kind,
      wire: `wire-${i}-${"x".repeat(200)}`,
    });
    const row = (i: number, o: Partial<Rec> = {}): Rec => ({
      msgId: i.toString(16).padStart(32, "0"),
      circleId: "c".repeat(24),
      channelId: "general",
      authorNodeId: "a".repeat(24),
      displayName: "olivia",
      createdTs: 1_800_000_000 + i,
      text: `m${i}`,
      mac: null,
      seq: i + 1,
      sortTs: 1_800_000_000 + i,
      sortMs: 1_800_000_000_000 + i,
      origin: "relay",
      receivedAt: 1_800_000_000,
      pushed: false,
      v2: v2(i),
      ...o,
    });
    const N = 2500;
    const rows = Array.from({ length: N }, (_, i) =>
      i === 1
        ? row(i, { channelId: "__control", v2: v2(i, 2) })
        : i === 2
          ? row(i, { origin: "local", pushed: false })
          : i === 3
            ? row(i, { origin: "local", pushed: true })
            : row(i),
    );
    await p.commit({ messages: rows });
    // written again compact (as the journal writes a compact row): pushed now, the wire stays
    await p.commit({
      messages: [{ ...rows[0]!, pushed: true, v2: { ...rows[0]!.v2!, wire: "", signature: "", authorKey: "" } }],
    });
    const read = await p.load();
    const stored = await new Promise<Rec[]>((ok, fail) => {
      const q = indexedDB.open("felund-compact-test");
      q.onsuccess = () => {
        const g = q.result.transaction("messages").objectStore("messages").getAll();
        g.onsuccess = () => ok(g.result as Rec[]);
        g.onerror = () => fail(g.error);
      };
      q.onerror = () => fail(q.error);
    });
    const byId = new Map(read.messages.map((m) => [m.msgId, m]));
    const at = (i: number) => byId.get(rows[i]!.msgId)!;
    return {
      read: read.messages.length,
      ids: new Set(read.messages.map((m) => m.msgId)).size,
      storedWhole: stored.filter((m) => (m.v2?.wire.length ?? 0) > 100).length,
      first: {
        pushed: stored.find((m) => m.msgId === rows[0]!.msgId)!.pushed,
        wire: stored.find((m) => m.msgId === rows[0]!.msgId)!.v2!.wire,
      },
      compactRead: read.messages.filter((m) => m.v2?.wire === "").length,
      control: at(1).v2!.wire.length,
      ownUnpushed: at(2).v2!.wire.length,
      ownPushed: at(3).v2!.wire,
      texts: [at(0).text, at(2499).text],
    };
  });
  expect(r.read).toBe(2500);
  expect(r.ids).toBe(2500);
  expect(r.storedWhole).toBe(2500);
  expect(r.first).toEqual({ pushed: true, wire: `wire-0-${"x".repeat(200)}` });
  // read back: all but the control event and our unpushed message compact
  expect(r.compactRead).toBe(2498);
  expect(r.control).toBeGreaterThan(100);
  expect(r.ownUnpushed).toBeGreaterThan(100);
  expect(r.ownPushed).toBe("");
  expect(r.texts).toEqual(["m0", "m2499"]);
});
