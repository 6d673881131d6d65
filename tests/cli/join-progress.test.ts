// `felund join` of a circle with a history (issue 17, docs/PROTOCOL.md §23): the one-shot join
// prints "syncing history: N of M" as the inviter's node streams the history in, newest first,
// and exits once all of it is stored. Real processes: the inviter runs `felund run`.
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { NodeStore } from "../../db/node-store.ts";
import { openSqlite } from "../../db/sqlite.ts";
import { loadIdentity } from "../../src/node/identity.ts";
import { installNativePrimitives } from "../../src/node/native-primitives.ts";
import { systemRng } from "../../src/protocol/crypto.ts";
import { nodeKeysFromSeed } from "../../src/protocol/v2/keys.ts";
import { CallRegistry } from "../../src/sync/control-apply.ts";
import { composeText } from "../../src/sync/v2-apply.ts";
import { felund, freePort, removeTempDirs, startFelund, stoppedAfterEach, tempDir } from "./helpers.ts";

setDefaultTimeout(120_000);
installNativePrimitives();
const procs = stoppedAfterEach();
afterAll(removeTempDirs);

const N = 1500;

test("felund join prints the history's progress and exits with all of it, newest first", async () => {
  const a = tempDir();
  const b = tempDir();
  const port = freePort();
  expect((await felund(a, "init", "--bind", "127.0.0.1", "--port", String(port), "--name", "alice")).code).toBe(0);
  expect((await felund(b, "init", "--bind", "127.0.0.1", "--name", "bob")).code).toBe(0);
  const inv = await felund(a, "invite", "--name", "big", "--json");
  const { circleId, code } = JSON.parse(inv.stdout);
  // alice's history: N messages, written through her own store as her node would
  const store = new NodeStore(openSqlite(join(a, "felund.sqlite")));
  const keys = nodeKeysFromSeed(loadIdentity(store).secretKey);
  const now = Math.floor(Date.now() / 1000);
  store.transaction(() => {
    for (let i = 0; i < N; i++) {
      // (after the card the invite wrote just now; ten a second, within the allowed clock skew)
      const at = now + 1 + Math.floor(i / 10);
      const ctx = { store, calls: new CallRegistry(), self: keys, now: at };
      const r = composeText(ctx, {
        circleId,
        channelId: "general",
        displayName: "alice",
        now: at,
        rng: systemRng,
        text: `m${i}`,
      });
      if (!r.ok) throw new Error(r.reason);
    }
  });
  store.sql.close();
  procs.push(await startFelund(a, ["run"], /local API (http:\/\/\S+);/));

  const r = await felund(b, "join", "--code", code);
  expect(r.code).toBe(0);
  const lines = r.stdout.trim().split("\n");
  const progress = lines.filter((l) => l.startsWith("syncing history: "));
  // from 0 of the total (the history and alice's card) to all of it, rising, then the join's own lines
  const m = /^syncing history: 0 of ([\d,]+)$/.exec(progress[0] ?? "");
  expect(m).not.toBeNull();
  const total = m![1]!;
  expect(Number(total.replaceAll(",", ""))).toBeGreaterThanOrEqual(N);
  expect(progress[progress.length - 1]).toBe(`syncing history: ${total} of ${total}`);
  expect(progress.length).toBeGreaterThanOrEqual(2);
  const counts = progress.map((l) => Number(/: ([\d,]+) of/.exec(l)![1]!.replaceAll(",", "")));
  for (let i = 1; i < counts.length; i++) expect(counts[i]!).toBeGreaterThanOrEqual(counts[i - 1]!);
  expect(lines).toContain(`joined circle ${circleId}`);
  expect(lines.indexOf(`joined circle ${circleId}`)).toBeGreaterThan(lines.indexOf(progress[progress.length - 1]!));

  // bob holds the whole history, and stored the newest first (seq: the order this node stored them)
  const mine = new NodeStore(openSqlite(join(b, "felund.sqlite")));
  expect(mine.countChatMessages(circleId)).toBe(N);
  const ts = (
    mine.sql
      .query("SELECT created_ts AS ts FROM messages WHERE circle_id = ? AND channel_id = 'general' ORDER BY seq")
      .all(circleId) as { ts: number }[]
  ).map((x) => x.ts);
  expect(ts.length).toBe(N);
  expect(ts[0]).toBe(now + 1 + Math.floor((N - 1) / 10));
  for (let i = 1; i < ts.length; i++) expect(ts[i]!).toBeLessThanOrEqual(ts[i - 1]!);
  mine.sql.close();

  // --json stays exact: no progress lines
  const again = await felund(b, "join", "--code", code, "--json");
  expect(again.stdout).not.toContain("syncing history");
});
