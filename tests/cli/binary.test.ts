// The single executable (`npm run build:bin`) run from a temp directory with no checkout beside
// it: it prints its versions, and `serve` (web UI and local API), `relay` (health and web
// client; on SQLite and on PostgreSQL, a throwaway cluster) and one-shot `send` / `inbox`
// through a running node work with only what it embeds.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { copyFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import { V2_VERSION } from "../../src/protocol/limits.ts";
import { sealFile } from "../../src/protocol/v2/attachment.ts";
import { startPgCluster } from "../../bench/lib/pg-cluster.ts";
import { envelope, HINT } from "../relay/helpers.ts";
import { builtBinary } from "./bin-build.ts";
import { removeTempDirs, type Running, spawnUntilReady, stoppedAfterEach, tempDir } from "./helpers.ts";

const SLOW = 60_000;
const procs = stoppedAfterEach();
afterAll(removeTempDirs);

let home: string; // the temp dir the binary lives and runs in
let bin: string;
beforeAll(() => {
  home = tempDir();
  bin = join(home, "felund");
  copyFileSync(builtBinary(), bin);
  Bun.spawnSync(["chmod", "755", bin]);
}, SLOW);

const env = (state: string) => ({ PATH: "/usr/bin:/bin", HOME: home, FELUND_STATE_DIR: state, NO_COLOR: "1" });

async function felundBin(state: string, ...args: string[]) {
  const p = Bun.spawn([bin, ...args], { cwd: home, env: env(state), stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const timer = setTimeout(() => p.kill(9), 15_000);
  const [stdout, stderr, code] = await Promise.all([
    new Response(p.stdout).text(),
    new Response(p.stderr).text(),
    p.exited,
  ]);
  clearTimeout(timer);
  return { code, stdout, stderr };
}

async function startBin(state: string, args: string[], ready: RegExp): Promise<Running> {
  const r = await spawnUntilReady([bin, ...args], env(state), ready, 15_000, `felund ${args.join(" ")}`, home);
  procs.push(r);
  return r;
}

test("the binary runs with no checkout beside it and prints its versions", async () => {
  expect(existsSync(join(home, "package.json"))).toBe(false);
  expect(existsSync(join(home, "node_modules"))).toBe(false);
  const r = await felundBin(join(home, "v"), "--version");
  expect(r.code).toBe(0);
  expect(r.stdout).toContain(`felund ${pkg.version}`);
  expect(r.stdout).toContain("v1 wire");
  expect(r.stdout).toContain(`felund2 v2 version ${V2_VERSION}`);
});

test(
  "serve: the web UI and the local API answer; send and inbox go through the running node",
  async () => {
    const state = join(home, "node");
    expect((await felundBin(state, "init", "--bind", "127.0.0.1", "--name", "bin")).code).toBe(0);
    const inv = await felundBin(state, "invite", "--name", "binary", "--json");
    expect(inv.code).toBe(0);
    const { circleId } = JSON.parse(inv.stdout);
    const node = await startBin(
      state,
      ["serve", "--http", "127.0.0.1:0", "--port", "0"],
      /open (http:\/\/[^\s/]+)\/#token=([0-9a-f]{64})/,
    );
    const [, base, token] = node.match;
    const page = await fetch(base + "/");
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<meta name="felund-mode" content="local"');
    // every script the page loads is embedded too
    const scripts = [...html.matchAll(/src="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    for (const s of scripts) expect((await fetch(base + s)).status).toBe(200);
    const health = await fetch(base + "/api/health", { headers: { authorization: `Bearer ${token}` } });
    expect(((await health.json()) as { ok: boolean }).ok).toBe(true);

    const sent = await felundBin(state, "send", "--circle-id", circleId, "--json", "hello from the binary");
    expect(sent.code).toBe(0);
    const inbox = await felundBin(state, "inbox", "--circle-id", circleId, "--json");
    expect(inbox.code).toBe(0);
    expect(JSON.parse(inbox.stdout).map((m: { text: string }) => m.text)).toContain("hello from the binary");
    // it went through the node's local API: the node's own view has it
    const msgs = await fetch(`${base}/api/circles/${circleId}/messages`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(JSON.stringify(await msgs.json())).toContain("hello from the binary");
    // and a backup through it (bun:sqlite's VACUUM INTO in the binary)
    const backup = await felundBin(state, "backup", join(home, "node-backup.sqlite"));
    expect(backup.code).toBe(0);
    expect(backup.stdout).toContain("by the running node");
  },
  SLOW,
);

test(
  "relay: health answers, the web client is served in relay mode, the database is migrated",
  async () => {
    const state = join(home, "relay");
    const relay = await startBin(
      state,
      ["relay", "--http", "127.0.0.1:0"],
      /relay base for nodes and browsers: (http:\/\/\S+)/,
    );
    const base = relay.match[1]!;
    const h = (await (await fetch(base + "/v1/health")).json()) as { ok: boolean };
    expect(h.ok).toBe(true);
    const html = await (await fetch(base + "/")).text();
    expect(html).toContain('<meta name="felund-mode" content="relay"');
    // a stored envelope reads back: the embedded migrations made the relay's tables
    const env = envelope();
    const post = await fetch(base + "/v1/messages", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ circle_hint: HINT, messages: [env] }),
    });
    expect(post.status).toBe(200);
    const got = (await (await fetch(`${base}/v1/messages?circle_hint=${HINT}&since=0`)).json()) as {
      messages: { msg_id: string }[];
    };
    expect(got.messages.map((m) => m.msg_id)).toContain(env.msg_id);
    expect(existsSync(join(state, "relay.sqlite"))).toBe(true);
  },
  SLOW,
);

test(
  "relay on PostgreSQL: the binary migrates a fresh database from its embedded migrations, stores and reads back",
  async () => {
    const cluster = await startPgCluster();
    try {
      const url = await cluster.createDatabase("felund_bin");
      const state = join(home, "relay-pg");
      const relay = await startBin(
        state,
        ["relay", "--http", "127.0.0.1:0", "--db", url],
        /relay base for nodes and browsers: (http:\/\/\S+)/,
      );
      const base = relay.match[1]!;
      const env = envelope();
      const post = await fetch(base + "/v1/messages", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ circle_hint: HINT, messages: [env] }),
      });
      expect(await post.json()).toMatchObject({ ok: true, stored: 1 });
      const got = (await (await fetch(`${base}/v1/messages?circle_hint=${HINT}&cursor=0`)).json()) as {
        messages: { msg_id: string }[];
      };
      expect(got.messages.map((m) => m.msg_id)).toEqual([env.msg_id]);
      // an attachment chunk too (relay_blobs: the newest PostgreSQL migration is embedded)
      const file = sealFile(new Uint8Array(32).fill(5), new Uint8Array(1000).fill(9));
      const put = await fetch(`${base}/v1/blobs/${HINT}/${file.ids[0]}`, {
        method: "PUT",
        body: file.chunks[0]! as Uint8Array<ArrayBuffer>,
      });
      expect(put.status).toBe(200);
      const back = new Uint8Array(await (await fetch(`${base}/v1/blobs/${HINT}/${file.ids[0]}`)).arrayBuffer());
      expect(Buffer.from(back).equals(Buffer.from(file.chunks[0]!))).toBe(true);
      // it kept them in PostgreSQL, not in a SQLite file of the state dir
      expect(existsSync(join(state, "relay.sqlite"))).toBe(false);
      const sql = new Bun.SQL(url, { max: 1 });
      const [n] =
        await sql`SELECT (SELECT count(*) FROM relay_messages)::int AS m, (SELECT count(*) FROM relay_blobs)::int AS b`;
      await sql.close();
      expect(n).toEqual({ m: 1, b: 1 });
    } finally {
      // the relay first (its pool closes cleanly), then the cluster
      for (const p of procs.splice(0)) {
        p.proc.kill("SIGTERM");
        await Promise.race([p.proc.exited, Bun.sleep(3000).then(() => p.proc.kill(9))]);
      }
      await cluster.stop();
    }
  },
  SLOW,
);

test(
  "a join through the binary checks the streamed history's signatures in its worker pool (embedded), and gets all of it",
  async () => {
    const N = 2000; // the streamed fill answers ranges of >= 1,024 missing messages (V2_FILL_RANGE_MIN)
    const a = join(home, "inviter");
    const b = join(home, "joiner");
    for (const [s, name] of [
      [a, "ann"],
      [b, "ben"],
    ] as const)
      expect((await felundBin(s, "init", "--bind", "127.0.0.1", "--name", name)).code).toBe(0);
    const serve = (s: string) =>
      startBin(s, ["serve", "--http", "127.0.0.1:0", "--port", "0"], /open (http:\/\/[^\s/]+)\/#token=([0-9a-f]{64})/);
    const [A, B] = [await serve(a), await serve(b)];
    const call = async (n: Running, method: string, path: string, body?: unknown) => {
      const [, base, token] = n.match;
      const r = await fetch(`${base}/api${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return path === "/metrics" ? r.text() : r.json();
    };
    const { circleId, code } = await call(A, "POST", "/circles", { name: "history" });
    for (let i = 0; i < N; i += 25)
      await Promise.all(
        Array.from({ length: 25 }, (_, k) =>
          call(A, "POST", `/circles/${circleId}/messages`, { channel: "general", text: `old message ${i + k}` }),
        ),
      );
    expect((await call(B, "POST", "/circles/join", { code })).ok).toBe(true);
    // every old message, paged back from the newest (pages of 500)
    const count = async () => {
      let n = 0;
      let q = "";
      for (let i = 0; i < 10; i++) {
        const page = (await call(B, "GET", `/circles/${circleId}/messages?limit=500${q}`)).messages ?? [];
        n += page.filter((m: { text: string }) => m.text.startsWith("old message")).length;
        if (page.length < 500) break;
        q = `&before_ms=${page[0].sortMs}&before_seq=${page[0].seq}`;
      }
      return n;
    };
    const end = Date.now() + 40_000;
    let held = 0;
    while (Date.now() < end && (held = await count()) < N) await Bun.sleep(250);
    expect(held).toBe(N);
    const checked = Number(
      ((await call(B, "GET", "/metrics")) as string).match(
        /^felund_node_signature_checks_off_thread_total (\d+)/m,
      )?.[1],
    );
    // the first frame (the newest page) is checked inline; the rest went to the workers
    expect(checked).toBeGreaterThan(N / 2);
  },
  SLOW,
);
