// Graceful shutdown of the long-running commands (`serve`, `run`, `relay`) on SIGTERM and
// SIGINT, under light write load: exit 0 within 5 s, WebSocket clients see 1001 (going away),
// every write that was answered is in the database, the database is intact and its WAL
// checkpointed (the -wal file empty or gone).
import { afterAll, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { SHUTDOWN_DRAIN_MS } from "../../src/protocol/limits.ts";
import { envelope, HINT, NODE_A } from "../relay/helpers.ts";
import { felund, removeTempDirs, type Running, startFelund, stoppedAfterEach, tempDir } from "./helpers.ts";

const SLOW = 30_000;
const procs = stoppedAfterEach();
afterAll(removeTempDirs);

/** A WebSocket that remembers the close code it got. */
async function watch(url: string): Promise<{ closed: Promise<number> }> {
  const ws = new WebSocket(url);
  const closed = new Promise<number>((resolve) => ws.addEventListener("close", (e) => resolve(e.code)));
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener("open", () => resolve());
    ws.addEventListener("error", () => reject(new Error(`cannot open ${url}`)));
  });
  return { closed };
}

/**
 * `writers` loops each sending one write after the other until a write fails (the server
 * went away); the ids of the writes that were answered with success.
 */
function load(write: () => Promise<string | null>, writers = 4): { acked: string[]; done: Promise<void> } {
  const acked: string[] = [];
  const loop = async () => {
    for (;;) {
      const id = await write().catch(() => null);
      if (id === null) return;
      acked.push(id);
    }
  };
  return { acked, done: Promise.all(Array.from({ length: writers }, loop)).then(() => {}) };
}

/** Signal the process once some writes are through; how long it took to exit, and its code. */
async function stopUnderLoad(r: Running, acked: string[], signal: "SIGTERM" | "SIGINT") {
  const t0 = Date.now();
  while (acked.length < 20 && Date.now() - t0 < 10_000) await Bun.sleep(10);
  expect(acked.length).toBeGreaterThanOrEqual(20);
  const start = performance.now();
  r.proc.kill(signal);
  const code = await Promise.race([r.proc.exited, Bun.sleep(8000).then(() => -1)]);
  return { code, ms: performance.now() - start };
}

/** The database as the stopped process left it: WAL checkpointed, intact; the rows of `sql`. */
function checkDb(path: string, sql: string): Set<string> {
  const wal = path + "-wal";
  expect(!existsSync(wal) || statSync(wal).size === 0).toBe(true);
  const db = new Database(path, { readonly: true });
  try {
    expect((db.query("PRAGMA integrity_check").get() as { integrity_check: string }).integrity_check).toBe("ok");
    return new Set((db.query(sql).all() as { id: string }[]).map((r) => r.id));
  } finally {
    db.close();
  }
}

/**
 * A POST whose body is still arriving when the process is signalled: sent with
 * `Expect: 100-continue`, so its "100 Continue" says the server is serving it; then half the
 * body. `finish()` sends the rest and reads the final answer's status line.
 */
async function slowPost(base: string, path: string, headers: Record<string, string>, body: string) {
  const u = new URL(base);
  let answer = "";
  let wake: () => void = () => {};
  const more = () => new Promise<void>((r) => (wake = r));
  let next = more();
  const sock = await Bun.connect({
    hostname: u.hostname,
    port: Number(u.port),
    socket: {
      data(_s, d) {
        answer += d.toString();
        wake();
      },
      close: () => wake(),
    },
  });
  const head = [`POST ${path} HTTP/1.1`, `Host: ${u.host}`, `Content-Length: ${Buffer.byteLength(body)}`];
  for (const [k, v] of Object.entries({ ...headers, expect: "100-continue" })) head.push(`${k}: ${v}`);
  sock.write(head.join("\r\n") + "\r\n\r\n");
  sock.flush();
  const deadline = Date.now() + 5000;
  while (!answer.startsWith("HTTP/1.1 100") && Date.now() < deadline) {
    await Promise.race([next, Bun.sleep(100)]);
    next = more();
  }
  expect(answer.startsWith("HTTP/1.1 100 Continue\r\n\r\n")).toBe(true);
  answer = answer.slice("HTTP/1.1 100 Continue\r\n\r\n".length);
  const half = Math.floor(body.length / 2);
  sock.write(body.slice(0, half));
  sock.flush();
  return {
    async finish(): Promise<string> {
      sock.write(body.slice(half));
      sock.flush();
      while (!answer.includes("\r\n\r\n") && Date.now() < deadline + 5000) {
        await Promise.race([next, Bun.sleep(100)]);
        next = more();
      }
      sock.end();
      return answer.split("\r\n")[0] ?? "";
    },
  };
}

async function nodeWithCircle(): Promise<{ dir: string; circleId: string }> {
  const dir = tempDir();
  expect((await felund(dir, "init", "--bind", "127.0.0.1", "--name", "stopper")).code).toBe(0);
  const inv = await felund(dir, "invite", "--name", "stopping", "--json");
  return { dir, circleId: JSON.parse(inv.stdout).circleId };
}

async function nodeUnderLoad(mode: "serve" | "run", signal: "SIGTERM" | "SIGINT") {
  const { dir, circleId } = await nodeWithCircle();
  const args = mode === "serve" ? ["serve", "--http", "127.0.0.1:0", "--port", "0"] : ["run", "--port", "0"];
  const r = await startFelund(dir, args, mode === "serve" ? /open (http:\/\/[^\s/]+)\/#/ : /local API (http:\/\/\S+);/);
  procs.push(r);
  const base = r.match[1]!;
  const token = readFileSync(join(dir, "api-token"), "utf8").trim();
  const ws = await watch(`${base.replace("http", "ws")}/api/ws?token=${token}`);
  let n = 0;
  const { acked, done } = load(async () => {
    const res = await fetch(`${base}/api/circles/${circleId}/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ text: `load ${++n}` }),
    });
    if (!res.ok) return null;
    return ((await res.json()) as { message: { msgId: string } }).message.msgId;
  });
  const { code, ms } = await stopUnderLoad(r, acked, signal);
  procs.pop();
  await done;
  expect(code).toBe(0);
  expect(ms).toBeLessThan(SHUTDOWN_DRAIN_MS); // no connection held the drain open (kept-alive ones are closed)
  expect(await ws.closed).toBe(1001);
  expect(existsSync(join(dir, "runtime.json"))).toBe(false);
  const stored = checkDb(join(dir, "felund.sqlite"), "SELECT msg_id AS id FROM messages");
  for (const id of acked) expect(stored.has(id)).toBe(true);
}

test(
  "serve: SIGTERM under load exits 0 in time, WebSocket 1001, nothing answered is lost, WAL checkpointed",
  () => nodeUnderLoad("serve", "SIGTERM"),
  SLOW,
);

test(
  "run: SIGINT under load exits 0 in time, WebSocket 1001, nothing answered is lost, WAL checkpointed",
  () => nodeUnderLoad("run", "SIGINT"),
  SLOW,
);

test(
  "relay: SIGTERM under load exits 0 in time, subscribers get 1001, nothing answered is lost, WAL checkpointed",
  async () => {
    const dir = tempDir();
    const db = join(dir, "relay.sqlite");
    const r = await startFelund(
      dir,
      ["relay", "--http", "127.0.0.1:0", "--db", db, "--no-web"],
      /relay base for nodes and browsers: (http:\/\/\S+)/,
    );
    procs.push(r);
    const base = r.match[1]!;
    const ws = await watch(`${base.replace("http", "ws")}/v1/relay/ws?circle_hint=${HINT}&node_id=${NODE_A}`);
    const { acked, done } = load(async () => {
      const e = envelope();
      const res = await fetch(`${base}/v1/messages`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ circle_hint: HINT, messages: [e] }),
      });
      return res.ok ? e.msg_id : null;
    });
    const { code, ms } = await stopUnderLoad(r, acked, "SIGTERM");
    procs.pop();
    await done;
    expect(code).toBe(0);
    expect(ms).toBeLessThan(SHUTDOWN_DRAIN_MS);
    expect(await ws.closed).toBe(1001);
    const stored = checkDb(db, "SELECT msg_id AS id FROM relay_messages");
    for (const id of acked) expect(stored.has(id)).toBe(true);
  },
  SLOW,
);

test(
  "a request being received when SIGTERM comes is served to the end (serve and relay)",
  async () => {
    // serve: a message whose request body is half sent
    const { dir, circleId } = await nodeWithCircle();
    const node = await startFelund(
      dir,
      ["serve", "--http", "127.0.0.1:0", "--port", "0"],
      /open (http:\/\/[^\s/]+)\/#/,
    );
    procs.push(node);
    const token = readFileSync(join(dir, "api-token"), "utf8").trim();
    const text = "sent while the node was stopping";
    const post = await slowPost(
      node.match[1]!,
      `/api/circles/${circleId}/messages`,
      { authorization: `Bearer ${token}`, "content-type": "application/json" },
      JSON.stringify({ text }),
    );
    let t0 = performance.now();
    node.proc.kill("SIGTERM");
    await Bun.sleep(300);
    expect(await post.finish()).toBe("HTTP/1.1 200 OK");
    expect(await node.proc.exited).toBe(0);
    procs.pop();
    expect(performance.now() - t0).toBeLessThan(5000);
    const texts = checkDb(join(dir, "felund.sqlite"), "SELECT text AS id FROM messages");
    expect(texts.has(text)).toBe(true);

    // relay: an envelope whose POST body is half sent
    const rdir = tempDir();
    const db = join(rdir, "relay.sqlite");
    const relay = await startFelund(
      rdir,
      ["relay", "--http", "127.0.0.1:0", "--db", db, "--no-web"],
      /relay base for nodes and browsers: (http:\/\/\S+)/,
    );
    procs.push(relay);
    const e = envelope();
    const rpost = await slowPost(
      relay.match[1]!,
      "/v1/messages",
      { "content-type": "application/json" },
      JSON.stringify({ circle_hint: HINT, messages: [e] }),
    );
    t0 = performance.now();
    relay.proc.kill("SIGTERM");
    await Bun.sleep(300);
    expect(await rpost.finish()).toBe("HTTP/1.1 200 OK");
    expect(await relay.proc.exited).toBe(0);
    procs.pop();
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(checkDb(db, "SELECT msg_id AS id FROM relay_messages").has(e.msg_id)).toBe(true);
  },
  SLOW,
);
