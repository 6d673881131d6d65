// Load test of the relay (issue 3): `npx bun bench/relay.ts`. Starts the standalone relay in
// a child process on 127.0.0.1 with a fresh SQLite file (WAL, synchronous=FULL, rate limits
// off), drives it with wrk (-t2 -c16, 10 s per case, Lua scripts written to a temp dir) and
// measures the delay from a POST to a WebSocket subscriber over 1,000 messages. Prints the
// setup and every figure as measured. Options: --duration S, --messages N, --keep.
import { mkdtempSync, rmSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import {
  arg,
  envelope,
  HINT_GET,
  hex,
  lua,
  PAGE,
  SEED,
  SEED_PER_SECOND,
  type WrkResult,
  wrk,
  wsDelay,
} from "./lib/relay-load.ts";

// ---------------------------------------------------------------- the relay process

async function serve(dbPath: string): Promise<void> {
  const { openDb } = await import("../db/client.ts");
  const { createRelayApp, NO_RATE_LIMITS } = await import("../src/relay/app.ts");
  const db = openDb(dbPath);
  let fakeNow: number | null = null;
  const app = createRelayApp({ db, now: () => fakeNow ?? Date.now(), config: { rate: NO_RATE_LIMITS, docs: false } });
  // Seed the GET circle through the API with a clock that advances 1 s per 50 envelopes, as
  // a circle that filled over a few minutes would look (the original clients page by second).
  const start = Date.now() - (SEED / SEED_PER_SECOND + 5) * 1000;
  for (let i = 0; i < SEED; i += 50) {
    fakeNow = start + (i / SEED_PER_SECOND) * 1000;
    const messages = Array.from({ length: 50 }, (_, k) => envelope(hex(16), 1_700_000_000 + i + k));
    const res = await app.handle(
      new Request("http://localhost/v1/messages", {
        method: "POST",
        body: JSON.stringify({ circle_hint: HINT_GET, messages }),
      }),
    );
    if (res.status !== 200) throw new Error(`seeding failed: ${res.status} ${await res.text()}`);
  }
  fakeNow = null;
  app.relay.start();
  app.listen({ hostname: "127.0.0.1", port: 0 });
  console.log(JSON.stringify({ port: app.server!.port }));
}

async function main(): Promise<void> {
  const seconds = arg("--duration", 10);
  const wsMessages = arg("--messages", 1000);
  if (!Bun.which("wrk")) {
    console.error("wrk not found: apt-get install -y wrk");
    process.exit(2);
  }
  const dir = mkdtempSync(join(tmpdir(), "felund-relay-bench-"));
  const dbPath = join(dir, "relay.sqlite");
  const scripts = lua(dir);
  const child = Bun.spawn([process.execPath, import.meta.path, "--serve", dbPath], {
    stdout: "pipe",
    stderr: "inherit",
  });
  const cleanup = () => {
    child.kill();
    if (!process.argv.includes("--keep")) rmSync(dir, { recursive: true, force: true });
  };
  try {
    const reader = child.stdout.getReader();
    let line = "";
    while (!line.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) throw new Error("relay process exited before listening");
      line += new TextDecoder().decode(value);
    }
    const { port } = JSON.parse(line.split("\n")[0]!) as { port: number };
    const base = `http://127.0.0.1:${port}`;

    const cpu = readFileSync("/proc/cpuinfo", "utf8")
      .match(/^model name\s*:\s*(.+)$/m)?.[1]
      ?.trim();
    const wrkVersion = Bun.spawnSync(["wrk", "-v"]).stdout.toString().split("\n")[0]?.trim();
    console.log("felund relay benchmark");
    console.log(`  machine   ${navigator.hardwareConcurrency} CPUs (${cpu}), Bun ${Bun.version}, ${wrkVersion}`);
    console.log(
      `  relay     createRelayApp in a child process on ${base}; SQLite file in ${dir} (WAL, synchronous=FULL)`,
    );
    console.log(`            rate limits off (NO_RATE_LIMITS), /docs off; wrk and the relay share the machine`);
    console.log(`  load      wrk -t2 -c16 -d${seconds}s --latency, keep-alive; targets from issue 3 in brackets`);

    // Check what the GET case really returns before timing it.
    for (const q of ["cursor=0", "since=0"]) {
      const r = (await (await fetch(`${base}/v1/messages?circle_hint=${HINT_GET}&${q}&limit=${PAGE}`)).json()) as {
        messages: unknown[];
      };
      const bytes = (
        await (await fetch(`${base}/v1/messages?circle_hint=${HINT_GET}&${q}&limit=${PAGE}`)).arrayBuffer()
      ).byteLength;
      console.log(`  GET ${q}: ${r.messages.length} envelopes, ${bytes} bytes per response (circle of ${SEED})`);
    }
    const load = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
    console.log(`  load avg  ${load()} before the runs (other work on the machine lowers every figure)`);
    console.log("  each case: 2 s warm-up (not reported), then the measured run");
    console.log("");
    const measure = async (url: string, script?: string) => {
      await wrk(url, 2, script); // warm-up (JIT, page cache), not reported
      return wrk(url, seconds, script);
    };
    const row = (name: string, r: WrkResult, target: string) =>
      console.log(
        `  ${name.padEnd(46)} ${r.rps.toFixed(0).padStart(7)} req/s   p50 ${r.p50.padStart(8)}   p99 ${r.p99.padStart(8)}   ${target}` +
          (r.non2xx ? `   NON-2xx: ${r.non2xx}` : "") +
          (r.errors ? `   ${r.errors}` : ""),
      );
    row(
      "POST 1 envelope, new msg_id each (stored)",
      await measure(`${base}/v1/messages`, scripts.postUnique),
      "[>= 27000 req/s, p99 < 5 ms]",
    );
    row(
      "POST 1 envelope, same body (duplicate)",
      await measure(`${base}/v1/messages`, scripts.postSame),
      "[>= 27000 req/s, p99 < 5 ms]",
    );
    row(
      `GET ${PAGE} of ${SEED} by cursor (cursor=0)`,
      await measure(`${base}/v1/messages?circle_hint=${HINT_GET}&cursor=0&limit=${PAGE}`),
      "[>= 9000 req/s]",
    );
    row(
      `GET ${PAGE} of ${SEED} at a random cursor`,
      await measure(`${base}/v1/messages`, scripts.getRandom),
      "[>= 9000 req/s]",
    );
    row(
      `GET ${PAGE} of ${SEED} by since (since=0)`,
      await measure(`${base}/v1/messages?circle_hint=${HINT_GET}&since=0&limit=${PAGE}`),
      "[>= 9000 req/s]",
    );
    const d = await wsDelay(base, wsMessages);
    console.log(
      `  ${"POST -> WebSocket subscriber".padEnd(46)} ${String(wsMessages).padStart(7)} msgs    p50 ${d.p50.toFixed(2).padStart(5)} ms   p99 ${d.p99.toFixed(2).padStart(5)} ms   max ${d.max.toFixed(2)} ms   lost ${d.lost}   [p50 < 1 ms]`,
    );
    console.log("");
    console.log(`  load avg  ${load()} after the runs`);
    console.log("  POST stored: every request inserts a row and is answered after the fsync of its group commit.");
    console.log("  POST duplicate: the msg_id is already stored, so the relay answers stored:0 without a write.");
    console.log("  GET cursor=0 / since=0: the same full page each time; full pages are immutable and remembered");
    console.log("  (seq list), so this is one map lookup plus copying 200 cached envelopes. Random cursor: the");
    console.log("  seq list comes from SQLite on most requests (9,800 possible pages, 4,096 remembered).");
    console.log("  POST -> WebSocket: from just before fetch() until the frame is read, one message in flight,");
    console.log("  so it includes the HTTP request and the durable commit (fsync) that precedes every push.");
  } finally {
    cleanup();
  }
}

const db = process.argv[process.argv.indexOf("--db") + 1];
if (process.argv.includes("--serve")) await serve(process.argv[process.argv.indexOf("--serve") + 1]!);
else if (process.argv.includes("--db") && db && /^(postgres(ql)?:\/\/|pg$)/.test(db))
  await (await import("./relay-pg.ts")).main(db);
else await main();
