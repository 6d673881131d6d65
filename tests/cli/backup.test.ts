// `felund backup` / `restore` and `relay-backup` / `relay-restore` on real processes: a backup
// taken under a bounded write load holds every write answered before it started; restored into
// a fresh place it passes integrity_check; a restore refuses while the owner runs and keeps the
// database it replaces as .bak.
import { afterAll, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { envelope, HINT } from "../relay/helpers.ts";
import { felund, removeTempDirs, startFelund, stoppedAfterEach, tempDir } from "./helpers.ts";

const SLOW = 60_000;
const procs = stoppedAfterEach();
afterAll(removeTempDirs);

/** `writers` loops writing one after the other, `perWriter` writes each: the ids answered, in order. */
function boundedLoad(write: (i: number) => Promise<string>, writers = 3, perWriter = 120) {
  const acked: string[] = [];
  let n = 0;
  const loop = async () => {
    for (let k = 0; k < perWriter; k++) acked.push(await write(++n));
  };
  return { acked, done: Promise.all(Array.from({ length: writers }, loop)) };
}

async function whenAcked(acked: string[], count: number): Promise<void> {
  const t0 = Date.now();
  while (acked.length < count) {
    if (Date.now() - t0 > 20_000) throw new Error(`only ${acked.length} writes in 20 s`);
    await Bun.sleep(5);
  }
}

/** integrity_check of a database file, and the values of `sql`. */
function read(path: string, sql: string): Set<string> {
  const db = new Database(path, { readonly: true });
  try {
    expect((db.query("PRAGMA integrity_check").get() as { integrity_check: string }).integrity_check).toBe("ok");
    return new Set((db.query(sql).all() as { id: string }[]).map((r) => r.id));
  } finally {
    db.close();
  }
}

test(
  "node: backup under write load through the running node, restore into a fresh state dir",
  async () => {
    const dir = tempDir();
    expect((await felund(dir, "init", "--bind", "127.0.0.1", "--name", "keeper")).code).toBe(0);
    const { circleId } = JSON.parse((await felund(dir, "invite", "--name", "kept", "--json")).stdout);
    const node = await startFelund(dir, ["run", "--port", "0"], /local API (http:\/\/\S+);/);
    procs.push(node);
    const base = node.match[1]!;
    const token = readFileSync(join(dir, "api-token"), "utf8").trim();
    const { acked, done } = boundedLoad(async (i) => {
      const res = await fetch(`${base}/api/circles/${circleId}/messages`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ text: `kept ${i}` }),
      });
      expect(res.status).toBe(200);
      return ((await res.json()) as { message: { msgId: string } }).message.msgId;
    });
    await whenAcked(acked, 60);
    const before = [...acked];
    const file = join(tempDir(), "node-backup.sqlite");
    const b = await felund(dir, "backup", file);
    expect(b.code).toBe(0);
    expect(b.stdout).toContain(`backed up to ${file}`);
    expect(b.stdout).toContain(`by the running node, pid ${node.proc.pid}`);
    await done;
    expect(acked.length).toBeGreaterThan(before.length); // the load went on during the backup
    expect(statSync(file).mode & 0o777).toBe(0o600); // it holds the node's keys

    // a restore refuses while the node runs, and leaves its database alone
    const refused = await felund(dir, "restore", file);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("a node is running");
    expect(readdirSync(dir).some((f) => f.endsWith(".bak"))).toBe(false);

    const fresh = tempDir();
    const r = await felund(fresh, "restore", file);
    expect(r.code).toBe(0);
    const stored = read(join(fresh, "felund.sqlite"), "SELECT msg_id AS id FROM messages");
    for (const id of before) expect(stored.has(id)).toBe(true);
    // the restored state works: same circle, its history
    const inbox = await felund(fresh, "inbox", "--circle-id", circleId, "--json", "--limit", "1000");
    expect(inbox.code).toBe(0);
    const ids = new Set(JSON.parse(inbox.stdout).map((m: { msgId: string }) => m.msgId));
    for (const id of before) expect(ids.has(id)).toBe(true);

    // restoring over an existing database keeps it as .bak
    node.proc.kill("SIGTERM");
    expect(await node.proc.exited).toBe(0);
    procs.pop();
    const again = await felund(dir, "restore", file);
    expect(again.code).toBe(0);
    const bak = readdirSync(dir).filter((f) => /^felund\.sqlite\.\d{8}T\d{6}Z\.bak$/.test(f));
    expect(bak.length).toBe(1);
    const old = read(join(dir, bak[0]!), "SELECT msg_id AS id FROM messages");
    for (const id of acked) expect(old.has(id)).toBe(true); // every write, also those after the backup
    expect(existsSync(join(dir, "felund.sqlite-wal")) && statSync(join(dir, "felund.sqlite-wal")).size > 0).toBe(false);
  },
  SLOW,
);

test(
  "relay: relay-backup under write load while it runs, relay-restore into a fresh file",
  async () => {
    const dir = tempDir();
    const db = join(dir, "relay.sqlite");
    const relay = await startFelund(
      dir,
      ["relay", "--http", "127.0.0.1:0", "--db", db, "--no-web"],
      /relay base for nodes and browsers: (http:\/\/\S+)/,
    );
    procs.push(relay);
    const base = relay.match[1]!;
    const { acked, done } = boundedLoad(async () => {
      const e = envelope();
      const res = await fetch(`${base}/v1/messages`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ circle_hint: HINT, messages: [e] }),
      });
      expect(res.status).toBe(200);
      return e.msg_id;
    });
    await whenAcked(acked, 60);
    const before = [...acked];
    const file = join(tempDir(), "relay-backup.sqlite");
    const b = await felund(dir, "relay-backup", file, "--db", db);
    expect(b.code).toBe(0);
    expect(b.stdout).toContain(`backed up to ${file}`);
    await done;

    const refused = await felund(dir, "relay-restore", file, "--db", db);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("a relay is running");

    const freshDb = join(tempDir(), "restored.sqlite");
    expect((await felund(dir, "relay-restore", file, "--db", freshDb)).code).toBe(0);
    const stored = read(freshDb, "SELECT msg_id AS id FROM relay_messages");
    for (const id of before) expect(stored.has(id)).toBe(true);

    // a node's backup is not a relay's
    const nodeDir = tempDir();
    expect((await felund(nodeDir, "init", "--bind", "127.0.0.1")).code).toBe(0);
    const nodeFile = join(tempDir(), "node.sqlite");
    expect((await felund(nodeDir, "backup", nodeFile)).code).toBe(0);
    const wrong = await felund(dir, "relay-restore", nodeFile, "--db", freshDb);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("is a node's backup");
    const wrong2 = await felund(nodeDir, "restore", file);
    expect(wrong2.code).toBe(1);
    expect(wrong2.stderr).toContain("is not a node's backup");

    // the restored file serves: a relay started on it has the envelopes
    relay.proc.kill("SIGTERM");
    expect(await relay.proc.exited).toBe(0);
    procs.pop();
    const again = await startFelund(
      dir,
      ["relay", "--http", "127.0.0.1:0", "--db", freshDb, "--no-web"],
      /relay base for nodes and browsers: (http:\/\/\S+)/,
    );
    procs.push(again);
    const got = (await (await fetch(`${again.match[1]}/v1/messages?circle_hint=${HINT}&since=0&limit=500`)).json()) as {
      messages: { msg_id: string }[];
    };
    const served = new Set(got.messages.map((m) => m.msg_id));
    for (const id of before.slice(0, 100)) expect(served.has(id)).toBe(true);
  },
  SLOW,
);
