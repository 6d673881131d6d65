// /attach PATH [caption] and /save [N] [PATH] in the terminal UI (OpenTUI's test renderer) over a
// real node's local API: the file is sent as an attachment, shown as "📎 name (size) caption",
// and saved back byte for byte under its own name; a legacy circle gets a clear refusal.
import { afterEach, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Elysia } from "elysia";
import { createLocalApi } from "../../src/node/local-api-elysia.ts";
import { LocalBackend } from "../../ui/shared/local-backend.ts";
import { startV2Node } from "../node/helpers.ts";
import type { FakeBackend } from "./fake-backend.ts";
import { startHarness, type Harness } from "./harness.ts";

const TOKEN = "f".repeat(64);
const cleanup: (() => void)[] = [];
let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
  while (cleanup.length) cleanup.pop()!();
});

async function nodeBackend(legacy = false) {
  const node = await startV2Node("tui");
  cleanup.push(() => node.stop());
  let port = 0;
  const app = new Elysia().use(createLocalApi({ node, token: TOKEN, port: () => port }));
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (r: Request) => app.handle(r) });
  port = server.port!;
  cleanup.push(() => server.stop(true));
  const { circleId } = node.createCircle("files", { legacy });
  const backend = new LocalBackend({ base: `http://127.0.0.1:${port}`, token: TOKEN });
  cleanup.push(() => backend.close());
  return { node, circleId, backend };
}

const noticed = async (hh: Harness, re: RegExp) => {
  const t0 = Date.now();
  for (;;) {
    const n = hh.store.state.notices.find((x) => re.test(x.text));
    if (n) return n.text;
    if (Date.now() - t0 > 5000)
      throw new Error(`no notice ${re}: ${hh.store.state.notices.map((x) => x.text).join(" | ")}`);
    await Bun.sleep(10);
  }
};

test("/attach sends a file shown as 📎 name (size); /save writes it back byte for byte", async () => {
  const dir = mkdtempSync(join(tmpdir(), "felund-attach-"));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const bytes = new Uint8Array(150_000).map((_, i) => (i * 13 + 5) & 255);
  writeFileSync(join(dir, "photo.png"), bytes);
  const out = join(dir, "out");
  mkdirSync(out);
  const { node, circleId, backend } = await nodeBackend();
  h = await startHarness(100, 30, backend as unknown as FakeBackend);
  await h.until((f) => f.includes("files"), "the circle");
  await h.type(`/attach ${join(dir, "photo.png")} the view from here`);
  await h.enter();
  const f = await h.until((f) => f.includes("📎 photo.png (150 kB) the view from here"), "the attachment row", 8000);
  expect(f).toContain("📎 photo.png (150 kB)");
  expect(node.store.recentMessages(circleId, 10).some((m) => m.text.startsWith("📎 photo.png"))).toBe(true);

  await h.type(`/save 1 ${out}`);
  await h.enter();
  const saved = await noticed(h, /^saved /);
  expect(saved).toBe(`saved 150 kB to ${join(out, "photo.png")}`);
  expect(Buffer.from(readFileSync(join(out, "photo.png"))).equals(Buffer.from(bytes))).toBe(true);

  // /save without N: the last attachment; the same name again gets a free one, never overwrites
  await h.type(`/save ${out}`);
  await h.enter();
  expect(await noticed(h, /photo \(1\)\.png/)).toBe(`saved 150 kB to ${join(out, "photo (1).png")}`);

  await h.type(`/attach ${join(dir, "nothing-here.bin")}`);
  await h.enter();
  await noticed(h, /no such file: .*nothing-here\.bin/);
}, 30_000);

test("/attach in a legacy circle: a clear error, nothing sent", async () => {
  const dir = mkdtempSync(join(tmpdir(), "felund-attach-"));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "a.txt"), "hello");
  const { node, circleId, backend } = await nodeBackend(true);
  h = await startHarness(100, 30, backend as unknown as FakeBackend);
  await h.until((f) => f.includes("files"), "the circle");
  const before = node.store.recentMessages(circleId, 100).length;
  await h.type(`/attach ${join(dir, "a.txt")}`);
  await h.enter();
  await noticed(h, /attachments need a v2 circle/);
  expect(node.store.recentMessages(circleId, 100).length).toBe(before);
}, 30_000);
