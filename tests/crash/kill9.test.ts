// The crash suite: `kill -9` a real `felund run` node or `felund relay` process at a seeded
// random moment while clients write to it as fast as it answers, 20 trials in all (10 each,
// each process restarted on the same database for the next trial). After every kill, every
// write that got a success answer (a message POSTed to the node's local API, an envelope a
// relay answered `stored` for) is in the database the dead process left, in this trial and
// all earlier ones, and `PRAGMA integrity_check` says ok. The seed is printed with a failure;
// CRASH_SEED replays it.
import { Database } from "bun:sqlite";
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { felund, removeTempDirs, startFelund, tempDir, type Running } from "../cli/helpers.ts";
import { Prng } from "../fuzz/seeded.ts";

setDefaultTimeout(120_000);
const TRIALS = 10; // per kind
const SEED = Number(process.env.CRASH_SEED ?? (Math.random() * 2 ** 31) >>> 0);
const WRITERS = 4;
const live: Running[] = [];
afterAll(() => {
  for (const p of live) p.proc.kill(9);
  removeTempDirs();
});

/** What the dead process left on disk: the ids found, and the integrity check's verdict. */
function inspect(path: string, sql: string): { ids: Set<string>; integrity: string } {
  const db = new Database(path); // read-write: opening recovers the WAL as a restart would
  try {
    const integrity = (db.query("PRAGMA integrity_check").get() as { integrity_check: string }).integrity_check;
    const ids = new Set((db.query(sql).all() as { id: string }[]).map((r) => r.id));
    return { ids, integrity };
  } finally {
    db.close();
  }
}

/**
 * Writers loop on `write` (each resolves to an acknowledged id, or null when refused) until
 * the process dies at `killAfterMs`; returns the acknowledged ids.
 */
async function loadThenKill(
  p: Running,
  killAfterMs: number,
  write: (i: number) => Promise<string | null>,
): Promise<string[]> {
  const acked: string[] = [];
  let dead = false;
  let n = 0;
  const writer = async () => {
    while (!dead) {
      // a request cut by the kill was never acknowledged; one answered was, even if we read the
      // answer after the kill
      const id = await write(n++).catch(() => null);
      if (id) acked.push(id);
    }
  };
  const writers = Array.from({ length: WRITERS }, writer);
  await Bun.sleep(killAfterMs);
  p.proc.kill(9);
  await p.proc.exited;
  dead = true;
  await Promise.all(writers);
  live.splice(live.indexOf(p), 1);
  return acked;
}

describe(`kill -9 under write load (seed ${SEED})`, () => {
  test(`${TRIALS} node crashes: every acknowledged message survives, integrity ok`, async () => {
    const r = new Prng(SEED);
    const dir = tempDir();
    expect((await felund(dir, "init", "--bind", "127.0.0.1", "--name", "crash")).code).toBe(0);
    const { circleId } = JSON.parse((await felund(dir, "invite", "--name", "crash", "--json")).stdout);
    const all: string[] = [];
    for (let t = 0; t < TRIALS; t++) {
      const p = await startFelund(dir, ["run", "--port", "0"], /local API (http:\/\/\S+);/);
      live.push(p);
      const base = p.match[1]!;
      const token = readFileSync(join(dir, "api-token"), "utf8").trim();
      const acked = await loadThenKill(p, 50 + r.int(600), async (i) => {
        const res = await fetch(`${base}/api/circles/${circleId}/messages`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({ text: `trial ${t} write ${i}` }),
        });
        return res.ok ? ((await res.json()) as { message: { msgId: string } }).message.msgId : null;
      });
      all.push(...acked);
      const { ids, integrity } = inspect(join(dir, "felund.sqlite"), "SELECT msg_id AS id FROM messages");
      expect(integrity, `seed ${SEED} trial ${t}`).toBe("ok");
      expect(
        all.filter((id) => !ids.has(id)),
        `seed ${SEED} trial ${t}: acknowledged but lost`,
      ).toEqual([]);
    }
    expect(all.length).toBeGreaterThan(TRIALS * 5); // the load did write
  });

  test(`${TRIALS} relay crashes: every envelope answered 'stored' survives, integrity ok`, async () => {
    const r = new Prng(SEED ^ 0x5a5a);
    const dir = tempDir();
    const all: string[] = [];
    for (let t = 0; t < TRIALS; t++) {
      const p = await startFelund(
        dir,
        ["relay", "--http", "127.0.0.1:0", "--no-web"],
        /relay base for nodes and browsers: (http:\/\/127\.0\.0\.1:\d+)/,
      );
      live.push(p);
      const base = p.match[1]!;
      const acked = await loadThenKill(p, 50 + r.int(600), async (i) => {
        // one envelope per POST, so a `stored: 1` answer names exactly what was stored
        const id = (t * 1_000_000 + i).toString(16).padStart(32, "0");
        const res = await fetch(`${base}/v1/messages`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            circle_hint: `crash${String(i % 8).padStart(11, "0")}`,
            messages: [{ msg_id: id, created_ts: 1_800_000_000, v2: "AgAAAAA=" }],
          }),
        });
        return res.ok && ((await res.json()) as { stored?: number }).stored === 1 ? id : null;
      });
      all.push(...acked);
      const { ids, integrity } = inspect(join(dir, "relay.sqlite"), "SELECT msg_id AS id FROM relay_messages");
      expect(integrity, `seed ${SEED} trial ${t}`).toBe("ok");
      expect(
        all.filter((id) => !ids.has(id)),
        `seed ${SEED} trial ${t}: acknowledged but lost`,
      ).toEqual([]);
    }
    expect(all.length).toBeGreaterThan(TRIALS * 5); // the load did write
  });
});
