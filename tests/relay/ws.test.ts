// The one real-network relay test (127.0.0.1, port 0): WebSocket push (backlog on connect,
// one frame per accepted POST to every subscriber of the hint), connection limits, the
// socket address as observed_host, and writes that are committed before the answer.
import { afterEach, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDb, openMemoryDb, type Db } from "../../db/client.ts";
import { createRelayApp, type RelayApp } from "../../src/relay/app.ts";
import type { RelayConfigInput } from "../../src/relay/config.ts";
import { RELAY_WS_FRAME_IN_MAX } from "../../src/protocol/limits.ts";
import { HINT, HINT2, NODE_A, NODE_B, T0, envelope } from "./helpers.ts";

let running: RelayApp[] = [];
afterEach(() => {
  for (const a of running) a.stop(true);
  running = [];
});

function serve(config: RelayConfigInput = {}, db: Db = openMemoryDb()) {
  let nowMs = T0 * 1000;
  const app = createRelayApp({ db, now: () => nowMs, config });
  app.listen({ hostname: "127.0.0.1", port: 0 });
  running.push(app);
  const base = `http://127.0.0.1:${app.server!.port}`;
  const post = (hint: string, messages: unknown[], headers: Record<string, string> = {}) =>
    fetch(`${base}/v1/messages`, {
      method: "POST",
      body: JSON.stringify({ circle_hint: hint, messages }),
      headers: { "content-type": "application/json", ...headers },
    }).then((r) => r.json() as Promise<any>);
  return { app, base, post, advance: (s: number) => (nowMs += s * 1000) };
}

interface Sub {
  ws: WebSocket;
  frames: any[];
  next(): Promise<any>;
}

function subscribe(base: string, hint: string, node: string, path = "/v1/relay/ws"): Promise<Sub> {
  const ws = new WebSocket(`${base.replace("http", "ws")}${path}?circle_hint=${hint}&node_id=${node}`);
  const frames: any[] = [];
  let wake: (() => void) | null = null;
  ws.onmessage = (e) => {
    frames.push(JSON.parse(String(e.data)));
    wake?.();
  };
  const sub: Sub = {
    ws,
    frames,
    async next() {
      const deadline = Date.now() + 2000;
      while (!frames.length && Date.now() < deadline) await new Promise<void>((r) => ((wake = r), setTimeout(r, 50)));
      if (!frames.length) throw new Error("no frame");
      return frames.shift();
    },
  };
  return new Promise((resolve, reject) => {
    ws.onopen = () => resolve(sub);
    ws.onerror = () => reject(new Error("refused"));
  });
}

const quiet = () => Bun.sleep(100);

describe("WebSocket /v1/relay/ws", () => {
  test("backlog of the last 120 s on connect, then every stored envelope to every subscriber of the hint", async () => {
    const s = serve();
    const old = envelope();
    await s.post(HINT, [old]);
    s.advance(121);
    const recent = [envelope(), envelope()];
    await s.post(HINT, recent);
    const a = await subscribe(s.base, HINT, NODE_A);
    const first = await a.next();
    expect(first).toEqual({ t: "MESSAGES", messages: recent, server_time: T0 + 121, cursors: [2, 3] });
    const b = await subscribe(s.base, HINT, NODE_B, "/api/v1/relay/ws");
    expect((await b.next()).messages).toEqual(recent);
    const other = await subscribe(s.base, HINT2, NODE_A);

    // The poster's own connection gets it too: X-Felund-Node is self-declared (W10).
    const live = [envelope(), envelope()];
    expect((await s.post(HINT, [...live, recent[0]], { "X-Felund-Node": NODE_A })).stored).toBe(2);
    for (const sub of [a, b])
      expect(await sub.next()).toEqual({ t: "MESSAGES", messages: live, server_time: T0 + 121, cursors: [4, 5] });

    expect((await s.post(HINT, live)).stored).toBe(0); // duplicates: no frame
    await quiet();
    expect(a.frames).toEqual([]);
    expect(other.frames).toEqual([]);
    a.ws.send(JSON.stringify({ t: "PONG" })); // client frames are ignored
    const more = envelope();
    await s.post(HINT, [more]);
    expect((await a.next()).messages).toEqual([more]);
    for (const x of [a, b, other]) x.ws.close();
  });

  test("no backlog frame when nothing was stored recently", async () => {
    const s = serve();
    const a = await subscribe(s.base, HINT, NODE_A);
    await quiet();
    expect(a.frames).toEqual([]);
    a.ws.close();
  });

  test("missing or bad parameters refuse the upgrade", async () => {
    const s = serve();
    await expect(subscribe(s.base, "short", NODE_A)).rejects.toThrow();
    await expect(subscribe(s.base, HINT, "")).rejects.toThrow();
  });

  test("a client frame over the inbound limit closes that socket only", async () => {
    const s = serve();
    const a = await subscribe(s.base, HINT, NODE_A);
    const b = await subscribe(s.base, HINT, NODE_B);
    const closed = new Promise<number>((r) => a.ws.addEventListener("close", (e) => r(e.code)));
    a.ws.send("x".repeat(RELAY_WS_FRAME_IN_MAX + 1));
    expect(await closed).toBe(1009);
    const e = envelope();
    await s.post(HINT, [e]);
    expect((await b.next()).messages).toEqual([e]);
    b.ws.close();
  });

  test("connections per address are limited; closing one frees a slot", async () => {
    const s = serve({ wsMaxPerIp: 2 });
    const a = await subscribe(s.base, HINT, NODE_A);
    const b = await subscribe(s.base, HINT2, NODE_A);
    await expect(subscribe(s.base, HINT, NODE_B)).rejects.toThrow();
    a.ws.close();
    await Bun.sleep(100);
    const c = await subscribe(s.base, HINT, NODE_B);
    b.ws.close();
    c.ws.close();
  });
});

describe("over the network", () => {
  test("observed_host is the socket address, also through the prefix fallback", async () => {
    const s = serve();
    for (const path of ["/v1/register", "/register", "/x/v1/register/"]) {
      const res = (await (
        await fetch(`${s.base}${path}`, {
          method: "POST",
          body: JSON.stringify({ node_id: NODE_A, circle_hint: HINT }),
          headers: { "x-forwarded-for": "203.0.113.66" },
        })
      ).json()) as any;
      expect(res.observed_host).toEqual({ host: "127.0.0.1", family: "ipv4" });
    }
  });

  test("an acknowledged POST is already committed: another connection to the file sees it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "felund-relay-"));
    try {
      const path = join(dir, "relay.sqlite");
      const db = openDb(path);
      expect((db.$client.query("PRAGMA synchronous").get() as { synchronous: number }).synchronous).toBe(2); // FULL
      const s = serve({}, db);
      const reader = new Database(path, { readonly: true });
      const batches = await Promise.all(
        [0, 1, 2].map(() =>
          s.post(
            HINT,
            Array.from({ length: 20 }, () => envelope()),
          ),
        ),
      );
      expect(batches.map((b) => b.stored)).toEqual([20, 20, 20]);
      expect((reader.query("SELECT count(*) AS n FROM relay_messages").get() as { n: number }).n).toBe(60);
      reader.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
