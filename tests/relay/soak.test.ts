// The relay soak (bounded): a real `felund relay` process, 1,000 WebSocket subscribers and a
// posting flood for SOAK_S seconds (20 by default). The relay keys its limits by client
// address, so each party has its own loopback source address (tests/relay/raw-client.ts):
// the flood posts from 127.0.0.2 as fast as it is answered, a legitimate client posts one
// envelope every 250 ms from 127.0.0.3, and the subscribers come from 127.0.0.10-29 (50 each,
// under the 64 sockets per address), half on the flood's circle_hint, half on the client's.
// Checked: the relay's RSS (from /proc) stays bounded, it logs no error, the flood gets 429s,
// every legitimate POST is answered 200 and reaches every subscriber of its hint, and all
// 1,000 sockets are still open at the end.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { removeTempDirs, startFelund, tempDir, type Running } from "../cli/helpers.ts";
import { RawHttp, rawWs } from "./raw-client.ts";

const SOAK_S = Number(process.env.SOAK_S ?? 20);
const SUBSCRIBERS = 1000;
const FLOOD_HINT = "f100df100df100df";
const LEGIT_HINT = "1e9171e9171e9171";
/** Headroom over the idle relay's RSS; a leak per request or per socket would pass it. */
const RSS_HEADROOM_MB = 300;
setDefaultTimeout((SOAK_S + 90) * 1000);

let relay: Running | null = null;
const closers: (() => void)[] = [];
afterAll(() => {
  for (const c of closers) c();
  relay?.proc.kill(9);
  removeTempDirs();
});

const rssMb = (pid: number) => Number(readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/)![1]) / 1024;
let seq = 0;
const envelope = () => ({
  msg_id: (++seq).toString(16).padStart(32, "0"),
  created_ts: 1_800_000_000,
  v2: "Ag" + "A".repeat(600),
});

describe("relay soak", () => {
  test(`1,000 subscribers and a posting flood for ${SOAK_S} s`, async () => {
    relay = await startFelund(
      tempDir(),
      ["relay", "--http", "127.0.0.1:0", "--no-web"],
      /relay base for nodes and browsers: http:\/\/127\.0\.0\.1:(\d+)/,
    );
    const port = Number(relay.match[1]);
    const pid = relay.proc.pid;

    // subscribers, 50 at a time
    const legitSeen: Set<string>[] = [];
    const subs: { isOpen(): boolean }[] = [];
    for (let i = 0; i < SUBSCRIBERS; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, async (_, k) => {
          const n = i + k;
          const hint = n % 2 ? LEGIT_HINT : FLOOD_HINT;
          const seen = new Set<string>();
          if (hint === LEGIT_HINT) legitSeen.push(seen);
          const onText =
            hint === LEGIT_HINT
              ? (t: string) => {
                  for (const m of JSON.parse(t).messages ?? []) seen.add(m.msg_id);
                }
              : () => {};
          const ws = await rawWs(
            port,
            `127.0.0.${10 + (n % 20)}`,
            `/v1/relay/ws?circle_hint=${hint}&node_id=sub${String(n).padStart(9, "0")}`,
            onText,
          );
          closers.push(ws.close);
          subs.push(ws);
        }),
      );
    }
    expect(subs.length).toBe(SUBSCRIBERS);
    const idleRss = rssMb(pid);

    // the flood and the legitimate client, for SOAK_S seconds
    const end = Date.now() + SOAK_S * 1000;
    const flood = { ok: 0, limited: 0, other: 0 };
    const floodConns = Array.from({ length: 4 }, () => new RawHttp(port, "127.0.0.2"));
    closers.push(...floodConns.map((c) => () => c.close()));
    const flooding = floodConns.map(async (c) => {
      while (Date.now() < end && !c.closed) {
        const r = await c.post("/v1/messages", {
          circle_hint: FLOOD_HINT,
          messages: Array.from({ length: 20 }, envelope),
        });
        if (r?.status === 200) flood.ok++;
        else if (r?.status === 429) flood.limited++;
        else flood.other++;
      }
    });
    const legit = new RawHttp(port, "127.0.0.3");
    closers.push(() => legit.close());
    const legitSent: string[] = [];
    const legitFailed: string[] = [];
    const rss: number[] = [];
    const posting = (async () => {
      while (Date.now() < end) {
        const e = envelope();
        const r = await legit.post("/v1/messages", { circle_hint: LEGIT_HINT, messages: [e] });
        if (r?.status === 200) legitSent.push(e.msg_id);
        else legitFailed.push(`${r?.status}: ${r?.body}`);
        rss.push(rssMb(pid));
        await Bun.sleep(250);
      }
    })();
    await Promise.all([...flooding, posting]);

    // every legitimate message reaches every subscriber of its hint (a little time to drain)
    const missing = () => legitSeen.reduce((n, s) => n + legitSent.filter((id) => !s.has(id)).length, 0);
    const t0 = Date.now();
    while (missing() > 0 && Date.now() - t0 < 10_000) await Bun.sleep(100);
    rss.push(rssMb(pid));

    const peak = Math.max(...rss);
    console.log(
      `soak: idle RSS ${idleRss.toFixed(0)} MB, peak ${peak.toFixed(0)} MB; flood ${flood.ok} stored / ${flood.limited} refused (429) / ${flood.other} other; legitimate ${legitSent.length} posts`,
    );
    expect(legitFailed).toEqual([]);
    expect(legitSent.length).toBeGreaterThanOrEqual(SOAK_S); // one every 250 ms when idle; allow a loaded box
    expect(missing()).toBe(0);
    expect(flood.limited).toBeGreaterThan(0);
    expect(flood.other).toBe(0);
    expect(subs.filter((s) => !s.isOpen()).length).toBe(0);
    expect(peak).toBeLessThan(idleRss + RSS_HEADROOM_MB);
    expect(relay.errors()).toBe("");
  });
});
