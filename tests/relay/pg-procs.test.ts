// Several `felund relay --db postgres://…` processes on one database act as one relay (issue
// 18): a POST to one reaches the WebSocket subscribers of the other (LISTEN/NOTIFY); 5,000
// concurrent POSTs spread over both while clients page (cursor and since) lose and repeat
// nothing; one process killed with SIGKILL mid-load leaves the other serving and loses nothing
// acknowledged. A throwaway PostgreSQL cluster (pg-helpers.ts); loopback only; bounded loops.
import { RELAY_SINCE_PAGE_MAX } from "../../src/protocol/limits.ts";
import { afterAll, afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { felund, type Running, spawnUntilReady } from "../cli/helpers.ts";
import { envelope, HINT, msgId, NODE_A } from "./helpers.ts";
import { freshDatabase, usePostgres } from "./pg-helpers.ts";

setDefaultTimeout(120_000);
usePostgres();
const MAIN = join(import.meta.dir, "..", "..", "src", "cli", "main.ts");
const dir = mkdtempSync(join(tmpdir(), "felund-pg-procs-"));
const procs: Running[] = [];
afterEach(async () => {
  for (const p of procs.splice(0)) {
    p.proc.kill("SIGKILL");
    await p.proc.exited;
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function relay(url: string): Promise<{ base: string; run: Running }> {
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    FELUND_STATE_DIR: dir,
    NO_COLOR: "1",
    FELUND_RATE_IP_PER_SECOND: "0",
    FELUND_RATE_HINT_PER_SECOND: "0",
  };
  const run = await spawnUntilReady(
    [process.execPath, MAIN, "relay", "--db", url, "--http", "127.0.0.1:0", "--no-web"],
    env,
    /relay base for nodes and browsers: (http:\/\/\S+)/,
    20_000,
    "felund relay (PostgreSQL)",
  );
  procs.push(run);
  return { base: run.match[1]!, run };
}

/** A WebSocket subscriber of HINT: the msg_ids it was pushed, in order. */
async function subscribe(base: string): Promise<{ ids: string[]; ws: WebSocket }> {
  const ws = new WebSocket(`${base.replace("http", "ws")}/v1/relay/ws?circle_hint=${HINT}&node_id=${NODE_A}`);
  const ids: string[] = [];
  ws.addEventListener("message", (e) => {
    for (const m of JSON.parse(String(e.data)).messages as { msg_id: string }[]) ids.push(m.msg_id);
  });
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener("open", () => resolve());
    ws.addEventListener("error", () => reject(new Error("WebSocket did not open")));
  });
  return { ids, ws };
}

const post = (base: string, messages: unknown[]) =>
  fetch(`${base}/v1/messages`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ circle_hint: HINT, messages }),
  });

async function until(what: string, ok: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(5);
  }
}

/** Every msg_id of HINT by cursor paging from `base` (each page from the next base in turn). */
async function allByCursor(bases: string[]): Promise<string[]> {
  const ids: string[] = [];
  let cursor = 0;
  for (let i = 0; i < 10_000; i++) {
    const r = await fetch(`${bases[i % bases.length]}/v1/messages?circle_hint=${HINT}&cursor=${cursor}&limit=500`);
    const page = (await r.json()) as { messages: { msg_id: string }[]; next_cursor: number; more: boolean };
    for (const m of page.messages) ids.push(m.msg_id);
    cursor = page.next_cursor;
    if (!page.more) return ids;
  }
  throw new Error("cursor paging did not end");
}

test("two relay processes on one database: a POST to either reaches the WebSocket subscribers of the other", async () => {
  const url = await freshDatabase();
  const [a, b] = await Promise.all([relay(url), relay(url)]);
  const onA = await subscribe(a.base);
  const onB = await subscribe(b.base);
  await Bun.sleep(100); // the (empty) backlogs are read and sent before the first POST
  const e1 = envelope();
  expect((await post(a.base, [e1])).status).toBe(200);
  await until("the push on B", () => onB.ids.includes(e1.msg_id));
  const e2 = envelope();
  expect((await post(b.base, [e2])).status).toBe(200);
  await until("the push on A", () => onA.ids.includes(e2.msg_id));
  // each subscriber gets each envelope once (the poster's process does not echo its own notification)
  await Bun.sleep(200);
  expect(onA.ids).toEqual([e1.msg_id, e2.msg_id]);
  expect(onB.ids).toEqual([e1.msg_id, e2.msg_id]);
  // an envelope too large for a notification's payload goes by reference and still arrives
  const big = envelope(msgId(), { pad: "x".repeat(20_000) });
  expect((await post(a.base, [big])).status).toBe(200);
  await until("the large push on B", () => onB.ids.includes(big.msg_id));
  onA.ws.close();
  onB.ws.close();
});

test("two relay processes: a typing notice sent to one reaches the typing subscribers of the other, once", async () => {
  const url = await freshDatabase();
  const [a, b] = await Promise.all([relay(url), relay(url)]);
  const BLOB = "AwAAAAAJGis8TV5vgJGis8TAtIXsNZiTz5iWOiYoaQJ7F8jKKcRVEzDeFIPEfyffK+kok0NT7WB4bazU";
  const typingSub = async (base: string, node: string, typing: boolean) => {
    const q = `circle_hint=${HINT}&node_id=${node}${typing ? "&typing=1" : ""}`;
    const ws = new WebSocket(`${base.replace("http", "ws")}/v1/relay/ws?${q}`);
    const seen: string[] = [];
    ws.addEventListener("message", (e) => {
      const f = JSON.parse(String(e.data));
      if (f.t === "TYPING") seen.push(f.blob);
    });
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener("open", () => resolve());
      ws.addEventListener("error", () => reject(new Error("WebSocket did not open")));
    });
    return { ws, seen };
  };
  const sender = await typingSub(a.base, "nodeaaaa0001", true);
  const sameProc = await typingSub(a.base, "nodebbbb0002", true);
  const otherProc = await typingSub(b.base, "nodecccc0003", true);
  const original = await typingSub(b.base, "original0004", false);
  await Bun.sleep(100);
  sender.ws.send(JSON.stringify({ t: "TYPING", blob: BLOB }));
  await until("the notice on B", () => otherProc.seen.length > 0);
  await Bun.sleep(200);
  expect(otherProc.seen).toEqual([BLOB]);
  expect(sameProc.seen).toEqual([BLOB]);
  expect(sender.seen).toEqual([]);
  expect(original.seen).toEqual([]);
  // and back: from B to A's subscribers
  otherProc.ws.send(JSON.stringify({ t: "TYPING", blob: BLOB }));
  await until("the notice on A", () => sender.seen.length > 0);
  await Bun.sleep(200);
  expect(sender.seen).toEqual([BLOB]);
  expect(sameProc.seen).toEqual([BLOB, BLOB]);
  expect(otherProc.seen).toEqual([BLOB]);
  for (const s of [sender, sameProc, otherProc, original]) s.ws.close();
});

test("5,000 concurrent POSTs spread over two processes while clients page: none lost, none twice", async () => {
  const url = await freshDatabase();
  const [a, b] = await Promise.all([relay(url), relay(url)]);
  const bases = [a.base, b.base];
  const N = 5000;
  const posted = Array.from({ length: N }, () => envelope());
  let next = 0;
  let failed = 0;
  const writer = async (w: number) => {
    for (let i = next++; i < N; i = next++) {
      const r = await post(bases[(i + w) % 2]!, [posted[i]]);
      if (r.status !== 200) failed++;
    }
  };
  let writing = true;
  const writers = Promise.all(Array.from({ length: 48 }, (_, w) => writer(w))).then(() => {
    writing = false;
  });
  // a cursor client and a since client (the Python rule: next since = server_time), each
  // asking the two processes in turn while the writes go on; they stop by themselves once
  // the writes are done and a page comes back empty
  const cursorSeen: string[] = [];
  const sinceSeen: string[] = [];
  // more rows in two seconds than a since page holds (RELAY_SINCE_PAGE_MAX): the page advances
  // past the rest, on SQLite as on PostgreSQL (the since protocol's limit, PROTOCOL-V1.md W8)
  let sinceOverflowed = false;
  const cursorClient = async () => {
    let cursor = 0;
    for (let i = 0; i < 100_000; i++) {
      const done = !writing;
      const r = await fetch(`${bases[i % 2]}/v1/messages?circle_hint=${HINT}&cursor=${cursor}&limit=200`);
      const page = (await r.json()) as { messages: { msg_id: string }[]; next_cursor: number; more: boolean };
      for (const m of page.messages) cursorSeen.push(m.msg_id);
      cursor = page.next_cursor;
      if (done && !page.more) return;
      if (!page.more) await Bun.sleep(10);
    }
  };
  const sinceClient = async () => {
    let since = 0;
    for (let i = 0; i < 100_000; i++) {
      const r = await fetch(`${bases[(i + 1) % 2]}/v1/messages?circle_hint=${HINT}&since=${since}&limit=200`);
      const page = (await r.json()) as { messages: { msg_id: string }[]; server_time: number; more: boolean };
      for (const m of page.messages) sinceSeen.push(m.msg_id);
      if (page.messages.length >= RELAY_SINCE_PAGE_MAX) sinceOverflowed = true;
      since = page.server_time;
      // every write was answered by second doneAt, so stamped doneAt or earlier: a last page
      // that declares doneAt complete has them all
      if (!page.more && since >= doneAt) return;
      if (!page.more) await Bun.sleep(50);
    }
  };
  let doneAt = Number.MAX_SAFE_INTEGER;
  void writers.then(() => {
    doneAt = Math.floor(Date.now() / 1000);
  });
  await Promise.all([writers, cursorClient(), sinceClient()]);
  expect(failed).toBe(0);
  const want = new Set(posted.map((e) => e.msg_id));
  expect(cursorSeen.length).toBe(N); // none twice
  expect(new Set(cursorSeen)).toEqual(want); // none lost
  // since pages repeat the rows of the current second by design (server_time = now - 1;
  // clients dedupe by msg_id), so only "none lost" holds for them, and only while no two
  // seconds held more rows than a since page (a fast machine can post 5,000 in two seconds)
  if (!sinceOverflowed) expect(new Set(sinceSeen)).toEqual(want);
  else expect(new Set(sinceSeen).size).toBeGreaterThanOrEqual(RELAY_SINCE_PAGE_MAX);
  expect(new Set(await allByCursor(bases))).toEqual(want);
});

test("one process killed (SIGKILL) mid-load: the other keeps serving and nothing acknowledged is lost", async () => {
  const url = await freshDatabase();
  const [a, b] = await Promise.all([relay(url), relay(url)]);
  const acked: string[] = [];
  let stop = false;
  const writer = async (base: string) => {
    for (let i = 0; i < 100_000 && !stop; i++) {
      const e = envelope();
      const r = await post(base, [e]).catch(() => null);
      if (!r) {
        if (base === a.base) return; // A is gone
        continue;
      }
      if (r.status === 200) acked.push(e.msg_id);
    }
  };
  const writers = Promise.all([
    ...Array.from({ length: 8 }, () => writer(a.base)),
    ...Array.from({ length: 8 }, () => writer(b.base)),
  ]);
  await until("some writes", () => acked.length >= 300, 20_000);
  a.run.proc.kill("SIGKILL");
  await a.run.proc.exited;
  const atKill = acked.length;
  await until("writes to B after the kill", () => acked.length >= atKill + 300, 20_000);
  stop = true;
  await writers;
  // B still serves: writes, pages, pushes
  const sub = await subscribe(b.base);
  const e = envelope();
  expect((await post(b.base, [e])).status).toBe(200);
  acked.push(e.msg_id);
  await until("a push on B after the kill", () => sub.ids.includes(e.msg_id));
  sub.ws.close();
  const stored = new Set(await allByCursor([b.base]));
  const lost = acked.filter((id) => !stored.has(id));
  expect(lost).toEqual([]);
});

test("CLI: an unreachable PostgreSQL fails with one clear line; --print-config hides the password; relay-backup and relay-restore point at pg_dump", async () => {
  const bad = await felund(dir, "relay", "--db", "postgres://nobody:secret@127.0.0.1:1/none", "--http", "127.0.0.1:0");
  expect(bad.code).not.toBe(0);
  expect(bad.stderr).toContain("cannot open the relay database postgres://nobody:***@127.0.0.1:1/none");
  expect(bad.stderr).not.toContain("secret");
  const shown = await felund(dir, "relay", "--print-config", "--db", "postgres://u:secret@127.0.0.1/db");
  expect(shown.stdout).toContain('db = "postgres://u:***@127.0.0.1/db"');
  expect(shown.stdout).not.toContain("secret");
  for (const cmd of ["relay-backup", "relay-restore"]) {
    const r = await felund(dir, cmd, join(dir, "x.sqlite"), "--db", "postgres://u@127.0.0.1/db");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("pg_dump");
  }
});
