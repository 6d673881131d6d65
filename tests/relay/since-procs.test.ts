// `since` paging with several relay processes on one SQLite file: a writer that waited for
// the write lock across a second boundary must not commit rows stamped with a second that a
// reader in another process already answered as complete. Here a writer process posts
// steadily, a holder process keeps taking the write lock for 1.3 s, and this process reads
// `since` pages as the Python client does (next since = server_time, the strictest); every
// stored row must reach it. Bounded: ~5 s of writes, then a drain.
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDb } from "../../db/client.ts";
import { createRelayApp } from "../../src/relay/app.ts";
import { HINT } from "./helpers.ts";

setDefaultTimeout(60_000);
const dir = mkdtempSync(join(tmpdir(), "felund-since-procs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("two relay processes on one file: since pages never miss a row written after a lock wait", async () => {
  const file = join(dir, "relay.sqlite");
  const db = openDb(file); // migrated before the children open it
  const reader = createRelayApp({ db, config: { rate: false, docs: false } });
  const child = (role: string, arg: string) =>
    Bun.spawn([process.execPath, join(import.meta.dir, "since-procs-child.ts"), role, file, arg], {
      stdout: "pipe",
      stderr: "inherit",
    });
  const writer = child("writer", "5000");
  const holder = child("holder", "3");
  const seen = new Set<string>();
  let since = 0;
  const poll = async () => {
    const r = await reader.handle(
      new Request(`http://localhost/v1/messages?circle_hint=${HINT}&since=${since}&limit=500`),
    );
    const page = (await r.json()) as { messages: { msg_id: string }[]; server_time: number };
    for (const m of page.messages) seen.add(m.msg_id);
    since = page.server_time;
  };
  let done = false;
  const finished = Promise.all([writer.exited, holder.exited]).then(() => (done = true));
  for (let i = 0; !done && i < 2000; i++) {
    await poll();
    await Bun.sleep(15);
  }
  await finished;
  expect(writer.exitCode).toBe(0);
  expect(holder.exitCode).toBe(0);
  const stored = Number((await new Response(writer.stdout).text()).trim());
  expect(stored).toBeGreaterThan(20);
  // drain: two more seconds of polls pick up whatever the last second held
  for (let i = 0; i < 12; i++) {
    await poll();
    await Bun.sleep(200);
  }
  const all = (
    db.$client.query("SELECT msg_id FROM relay_messages WHERE circle_hint = ?").all(HINT) as { msg_id: string }[]
  ).map((r) => r.msg_id);
  expect(all).toHaveLength(stored);
  expect(all.filter((id) => !seen.has(id))).toEqual([]);
  db.$client.close();
});
