// Benchmark of issue 16's search: a query over 1,000,000 messages on the node in < 50 ms.
// One NodeStore on disk (the node's pragmas and migrations, so the FTS5 index is kept by its
// triggers as on a node), filled through insertMessage in transactions of 10,000 rows with
// chat-like text (a Zipf vocabulary of common English words and a long tail), 90% in one
// circle over 4 channels; then each query below 30 times through the peer's searchCircle
// (what the local API runs: index, rows, snippets, views), a first page of 20. Prints the
// setup, p50/p99/max per query and over all. Run: `npx bun bench/search.ts` (SEARCH_N=N for fewer rows).
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NodeStore } from "../db/node-store.ts";
import { openSqlite } from "../db/sqlite.ts";
import type { PeerCtx } from "../src/peer/ctx.ts";
import { searchCircle } from "../src/peer/search.ts";
import { machine } from "./lib/proc-stat.ts";
import { ms, summary, verdict } from "./lib/stats.ts";

const N = Number(process.env.SEARCH_N ?? 1_000_000);
const BATCH = 10_000;
const RUNS = 30;
const TARGET_MS = 50;
const COMMON = `the a to and i you it is of in that for on we me my be this at have so but not with
are just was do no can what get up if all go out about like it's one know now will your there one time
when think good yeah how see back well today really then lol ok okay sure thanks maybe tomorrow meeting
lunch call later work home need want going got make right new here from come
still let's people day week night said something tonight check again weekend`.split(/\s+/);
const TAIL = 40_000;
let seed = 42;
const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0), seed / 4294967296);
/** a word: common ones often (Zipf-like), the tail (names, places, rare words) seldom */
function word(): string {
  const r = rnd();
  if (r < 0.6) return COMMON[Math.floor(rnd() ** 2.2 * COMMON.length)]!;
  return `w${Math.floor(rnd() ** 2 * TAIL).toString(36)}`;
}

// SEARCH_DB=PATH keeps the filled database there and reuses it on the next run
const keep = process.env.SEARCH_DB;
const dir = keep ? "" : mkdtempSync(join(tmpdir(), "felund-search-bench-"));
const path = keep ?? join(dir, "felund.sqlite");
const reuse = !!keep && existsSync(path);
const store = new NodeStore(openSqlite(path));
const C1 = "c1".repeat(16);
const C2 = "c2".repeat(16);
const CHANNELS = ["general", "random", "dev", "music"];
for (const c of [C1, C2])
  if (!reuse)
    store.addCircle({
      circleId: c,
      secretHex: "00".repeat(32),
      name: "",
      owned: false,
      bootstrap: "",
      mode: "v2",
      keyEpoch: 0,
      joinedAt: 0,
    });
for (const c of [C1, C2])
  for (const ch of CHANNELS)
    store.createChannel({ circleId: c, channelId: ch, createdBy: "", createdTs: 0, accessMode: "public", keyHash: "" });
const authors = Array.from({ length: 12 }, (_, i) => `a${i}`.padEnd(24, "0"));
const T0 = 1_700_000_000;

const t0 = performance.now();
for (let b = 0; b < (reuse ? 0 : N); b += BATCH)
  store.transaction(() => {
    for (let i = b; i < Math.min(N, b + BATCH); i++) {
      const len = 3 + Math.floor(rnd() * 14);
      const text = Array.from({ length: len }, word).join(" ");
      const ts = T0 + i * 3; // a message every 3 s: 1M span about 35 days
      store.insertMessage(
        {
          msgId: i.toString(16).padStart(32, "0"),
          circleId: i % 10 === 9 ? C2 : C1,
          channelId: CHANNELS[Math.floor(rnd() ** 2 * CHANNELS.length)]!,
          authorNodeId: authors[i % authors.length]!,
          displayName: `user${i % authors.length}`,
          createdTs: ts,
          text,
          mac: null,
        },
        { origin: "bench", receivedAt: ts, sortTs: ts, sortMs: ts * 1000 },
      );
    }
  });
const fillS = (performance.now() - t0) / 1000;
store.sql.run("PRAGMA wal_checkpoint(TRUNCATE)");
const dbMiB = statSync(path).size / 1024 / 1024;
const ftsPages = (
  store.sql.query(`SELECT SUM(pgsize) AS b FROM dbstat WHERE name LIKE 'messages_fts%'`).get() as { b: number } | null
)?.b;

const ctx = {
  store,
  me: () => ({ nodeId: "f".repeat(24), displayName: "bench" }),
} as unknown as PeerCtx;

const QUERIES: [string, string, { channelId?: string }?][] = [
  ["a common word", "the"],
  ["two common words", "meeting tomorrow"],
  ["a mid-frequency word", "weekend"],
  ["a rare word", `w${(TAIL - 7).toString(36)}`],
  ["a phrase", '"see you"'],
  ["five words, seldom together", "weekend lunch meeting tomorrow thanks"],
  ["a prefix of 2 letters", "th"],
  ["a prefix of 4 letters", "tomo"],
  ["words, one channel", "lunch today", { channelId: "music" }],
  ["no match", "zzzznothing"],
  ["the second circle", "call later"],
];

const m = machine();
console.log(
  `setup: ${N.toLocaleString("en")} messages (90% in one circle, 4 channels, 3-16 words each) ` +
    (reuse
      ? `reused from ${path}`
      : `filled in ${fillS.toFixed(1)} s (${Math.round(N / fillS).toLocaleString("en")}/s, transactions of ${BATCH})`) +
    `; database ${dbMiB.toFixed(0)} MiB` +
    (ftsPages ? `, of which the index ${(ftsPages / 1024 / 1024).toFixed(0)} MiB` : ""),
);
console.log(
  `machine: ${m.nproc} CPU(s) ${m.cpu}, ${m.memGiB.toFixed(1)} GiB, bun ${m.bun}; ${RUNS} runs per query, page of 20`,
);
const all: number[] = [];
for (const [label, q, opts] of QUERIES) {
  const circle = label === "the second circle" ? C2 : C1;
  const times: number[] = [];
  let hits = 0;
  let more = false;
  for (let r = 0; r < RUNS; r++) {
    const s = performance.now();
    const page = searchCircle(ctx, circle, q, { ...opts, limit: 20 });
    times.push(performance.now() - s);
    hits = page.hits.length;
    more = !!page.next;
  }
  // and the next page of it, as "More" asks
  const first = searchCircle(ctx, circle, q, { ...opts, limit: 20 });
  if (first.next) {
    const s = performance.now();
    searchCircle(ctx, circle, q, { ...opts, limit: 20, before: first.next });
    times.push(performance.now() - s);
  }
  all.push(...times);
  const x = summary(times);
  console.log(
    `${label.padEnd(28)} ${JSON.stringify(q).padEnd(40)} ${String(hits).padStart(2)}${more ? "+" : " "} hits  p50 ${ms(x.p50).padStart(5)} ms  p99 ${ms(x.p99).padStart(5)} ms  max ${ms(x.max).padStart(5)} ms`,
  );
}
const s = summary(all);
console.log(
  `all queries: p50 ${ms(s.p50)} ms, p99 ${ms(s.p99)} ms, max ${ms(s.max)} ms (target < ${TARGET_MS} ms): ${verdict(s.p99 < TARGET_MS)}`,
);
store.sql.close();
if (!keep) rmSync(dir, { recursive: true, force: true });
