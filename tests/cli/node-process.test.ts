// Real `felund run` / `felund serve` processes: a message acknowledged by `felund send` through
// the running node survives kill -9, and a `send` while a node runs is gossiped to another
// running node at once (PROTOCOL-V1.md W16: the original loses it).
import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { openDb } from "../../db/client.ts";
import { NodeStore } from "../../db/node-store.ts";
import { felund, removeTempDirs, startFelund, tempDir, stoppedAfterEach, type Running } from "./helpers.ts";

const SLOW = 30_000;
const procs = stoppedAfterEach();
afterAll(removeTempDirs);

const RUN_READY = /local API (http:\/\/\S+);/;
const SERVE_READY = /open (http:\/\/[^\s/]+)\/#token=([0-9a-f]{64})/;

async function run(dir: string, ...extra: string[]): Promise<Running> {
  const r = await startFelund(dir, ["run", "--port", "0", ...extra], RUN_READY);
  procs.push(r);
  return r;
}

async function apiGet(dir: string, base: string, path: string): Promise<any> {
  const token = readFileSync(join(dir, "api-token"), "utf8").trim();
  const res = await fetch(`${base}/api${path}`, { headers: { authorization: `Bearer ${token}` } });
  return res.json();
}

describe("durability", () => {
  test(
    "a message acknowledged by `send` through a running node survives kill -9",
    async () => {
      const dir = tempDir();
      expect((await felund(dir, "init", "--bind", "127.0.0.1", "--name", "dana")).code).toBe(0);
      const { circleId } = JSON.parse((await felund(dir, "invite", "--name", "durable", "--json")).stdout);
      const node = await run(dir);
      const texts = ["first before the crash", "second before the crash", "third, acknowledged just before kill -9"];
      const ids: string[] = [];
      for (const t of texts) {
        const s = await felund(dir, "send", "--circle-id", circleId, "--json", t);
        expect(s.code).toBe(0);
        ids.push(JSON.parse(s.stdout).msgId);
      }
      // the last send went through the node's local API (not the database directly)
      node.proc.kill(9);
      expect(await node.proc.exited).not.toBe(0);
      procs.pop();
      // the database as the crashed process left it (WAL included)
      const store = new NodeStore(openDb(join(dir, "felund.sqlite")));
      for (const id of ids) expect(store.getMessage(id)?.circleId).toBe(circleId);
      store.sql.close();
      // and the CLI reads it too (the stale runtime file of the dead process is ignored)
      const inbox = await felund(dir, "inbox", "--circle-id", circleId, "--json");
      expect(inbox.code).toBe(0);
      expect(
        JSON.parse(inbox.stdout)
          .map((m: { text: string }) => m.text)
          .sort(),
      ).toEqual([...texts].sort());
    },
    SLOW,
  );
});

describe("one-shots go through the running node (W16)", () => {
  test(
    "`send` while `run` is active reaches a second running node at once",
    async () => {
      const a = tempDir();
      const b = tempDir();
      await Promise.all([
        felund(a, "init", "--bind", "127.0.0.1", "--name", "ann"),
        felund(b, "init", "--bind", "127.0.0.1", "--name", "ben"),
      ]);
      const na = await run(a);
      // the invite comes from the running node, so it carries its real TCP port
      const inv = await felund(a, "invite", "--name", "live", "--json");
      expect(inv.code).toBe(0);
      const { circleId, code } = JSON.parse(inv.stdout);
      const nb = await startFelund(b, ["serve", "--http", "127.0.0.1:0", "--port", "0"], SERVE_READY);
      procs.push(nb);
      const bApi = nb.match[1]!;
      const join1 = await felund(b, "join", "--code", code, "--json");
      expect(join1.code).toBe(0);
      expect(JSON.parse(join1.stdout)).toMatchObject({ circleId, synced: true });

      const t0 = Date.now();
      const s = await felund(a, "send", "--circle-id", circleId, "hello from a one-shot while run is active");
      expect(s.code).toBe(0);
      expect(s.stdout).toContain("gossiped by the running node");
      let got: { text: string }[] = [];
      for (let i = 0; i < 200 && !got.some((m) => m.text.startsWith("hello from a one-shot")); i++) {
        got = (await apiGet(b, bApi, `/circles/${circleId}/messages`)).messages ?? [];
        if (!got.some((m) => m.text.startsWith("hello from a one-shot"))) await Bun.sleep(25);
      }
      expect(got.map((m) => m.text)).toContain("hello from a one-shot while run is active");
      expect(Date.now() - t0).toBeLessThan(5000); // the interval is 5 s: it came with the immediate round
      // and the running node still has it, and nothing was overwritten
      const inboxA = await felund(a, "inbox", "--circle-id", circleId, "--json");
      expect(JSON.parse(inboxA.stdout).map((m: { text: string }) => m.text)).toContain(
        "hello from a one-shot while run is active",
      );
      expect(na.errors()).not.toMatch(/error/i);
    },
    SLOW,
  );

  test(
    "serve prints a URL whose token opens the local API; a second node on the same state dir is refused",
    async () => {
      const dir = tempDir();
      const s = await startFelund(dir, ["serve", "--http", "127.0.0.1:0", "--port", "0"], SERVE_READY);
      procs.push(s);
      const [, base, token] = s.match;
      const ok = await fetch(`${base}/api/health`, { headers: { authorization: `Bearer ${token}` } });
      expect(ok.status).toBe(200);
      expect((await fetch(`${base}/api/health`)).status).toBe(401);
      const second = await felund(dir, "run", "--port", "0");
      expect(second.code).not.toBe(0);
      expect(second.stderr).toMatch(/already running/);
      // one-shots use it: circles --json comes from the node's API
      expect(JSON.parse((await felund(dir, "circles", "--json")).stdout)).toEqual([]);
    },
    SLOW,
  );
});
