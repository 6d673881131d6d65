// Typing notices on the relay's WebSocket (src/relay/ws/typing.ts, docs/PROTOCOL.md §22), on
// 127.0.0.1: a subscriber that asks (typing=1) is told FEATURES and its notices go to the other
// subscribers of the hint that asked, never back to it, never to one that did not ask (an
// original client), never to another hint; a flood is cut to the relay's rate; junk is ignored;
// nothing is stored.
import { afterEach, describe, expect, test } from "bun:test";
import { openMemoryDb, type Db } from "../../db/client.ts";
import { RELAY_TYPING_BURST } from "../../src/protocol/limits.ts";
import { createRelayApp, type RelayApp } from "../../src/relay/app.ts";
import { HINT, HINT2, T0 } from "./helpers.ts";

let running: RelayApp[] = [];
afterEach(() => {
  for (const a of running) a.stop(true);
  running = [];
});

function serve(db: Db) {
  const clock = { ms: T0 * 1000 };
  const app = createRelayApp({ db, now: () => clock.ms, config: { docs: false } });
  app.listen({ hostname: "127.0.0.1", port: 0 });
  running.push(app);
  return { base: `http://127.0.0.1:${app.server!.port}`, clock };
}

interface Sub {
  ws: WebSocket;
  frames: any[];
}
function subscribe(base: string, hint: string, node: string, typing: boolean): Promise<Sub> {
  const ws = new WebSocket(
    `${base.replace("http", "ws")}/v1/relay/ws?circle_hint=${hint}&node_id=${node}${typing ? "&typing=1" : ""}`,
  );
  const frames: any[] = [];
  ws.onmessage = (e) => frames.push(JSON.parse(String(e.data)));
  return new Promise((resolve, reject) => {
    ws.onopen = () => resolve({ ws, frames });
    ws.onerror = () => reject(new Error("refused"));
  });
}
const typings = (s: Sub) => s.frames.filter((f) => f.t === "TYPING");
const BLOB = "AwAAAAAJGis8TV5vgJGis8TAtIXsNZiTz5iWOiYoaQJ7F8jKKcRVEzDeFIPEfyffK+kok0NT7WB4bazU";

describe("typing notices on /v1/relay/ws", () => {
  test("passed on to the other subscribers of the hint that asked; not back, not to others; never stored", async () => {
    const db = openMemoryDb();
    const { base } = serve(db);
    const a = await subscribe(base, HINT, "nodeaaaa0001", true);
    const b = await subscribe(base, HINT, "nodebbbb0002", true);
    const orig = await subscribe(base, HINT, "original0003", false);
    const other = await subscribe(base, HINT2, "nodecccc0004", true);
    await Bun.sleep(100);
    expect(a.frames).toEqual([{ t: "FEATURES", typing: true }]);
    expect(orig.frames).toEqual([]);

    a.ws.send(JSON.stringify({ t: "TYPING", blob: BLOB }));
    await Bun.sleep(150);
    expect(typings(b)).toEqual([{ t: "TYPING", blob: BLOB }]);
    expect(typings(a)).toEqual([]);
    expect(orig.frames).toEqual([]);
    expect(typings(other)).toEqual([]);
    // a subscriber that did not ask cannot send one either
    orig.ws.send(JSON.stringify({ t: "TYPING", blob: BLOB }));
    // junk: not JSON, no blob, a blob too long or not base64
    for (const j of [
      "nope",
      "{}",
      JSON.stringify({ t: "TYPING", blob: "x".repeat(600) }),
      JSON.stringify({ t: "TYPING", blob: "<script>" }),
    ])
      a.ws.send(j);
    await Bun.sleep(150);
    expect(typings(b).length).toBe(1);
    const rows = db.$client.query("SELECT COUNT(*) AS n FROM relay_messages").get() as { n: number };
    expect(rows.n).toBe(0);
    for (const s of [a, b, orig, other]) s.ws.close();
  });

  test("a flood from one address is cut to the relay's burst; the budget refills with time", async () => {
    const { base, clock } = serve(openMemoryDb());
    const a = await subscribe(base, HINT, "nodeaaaa0001", true);
    const b = await subscribe(base, HINT, "nodebbbb0002", true);
    for (let i = 0; i < 100; i++) a.ws.send(JSON.stringify({ t: "TYPING", blob: BLOB }));
    await Bun.sleep(300);
    expect(typings(b).length).toBe(RELAY_TYPING_BURST);
    clock.ms += 2000;
    for (let i = 0; i < 10; i++) a.ws.send(JSON.stringify({ t: "TYPING", blob: BLOB }));
    await Bun.sleep(200);
    expect(typings(b).length).toBe(RELAY_TYPING_BURST + 2);
    a.ws.close();
    b.ws.close();
  });
});
