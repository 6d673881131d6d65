// `npx bun bench/relay.ts --db postgres://USER@HOST:PORT/DB` (or `--db pg`: a throwaway
// cluster, fsync on, started and removed here): the relay on PostgreSQL beside SQLite in the
// same run. For each backend: one relay process, then a second one on the same database
// (both loaded at once by two wrk, -t1 -c8 each, the same 16 connections in total as the
// one-process case), and the POST -> WebSocket delay within one process and across two
// (subscriber on the second, POST to the first). Prints the setup and every figure.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startPgCluster, type PgCluster } from "./lib/pg-cluster.ts";
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

const isPg = (db: string) => /^postgres(ql)?:\/\//.test(db);

/** A relay process on `db` (SQLite file or PostgreSQL URL), seeded with the GET circle if asked. */
async function serve(db: string, seed: boolean): Promise<void> {
  const { NO_RATE_LIMITS, createRelayApp } = await import("../src/relay/app.ts");
  let fakeNow: number | null = null;
  const deps = { now: () => fakeNow ?? Date.now(), config: { rate: NO_RATE_LIMITS, docs: false } };
  let app: { handle(r: Request): Promise<Response>; listen(o: object): unknown; server?: { port?: number } | null };
  if (isPg(db)) {
    const { openPg } = await import("../db/pg.ts");
    const { createPgRelayApp } = await import("../src/relay/pg/index.ts");
    app = await createPgRelayApp({ pg: await openPg(db), url: db, ...deps });
  } else {
    const { openDb } = await import("../db/client.ts");
    app = createRelayApp({ db: openDb(db), ...deps });
  }
  if (seed) {
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
  }
  app.listen({ hostname: "127.0.0.1", port: 0 });
  console.log(JSON.stringify({ port: app.server!.port }));
}

async function spawnRelay(db: string, seed: boolean): Promise<{ base: string; kill(): void }> {
  const child = Bun.spawn([process.execPath, import.meta.path, "--serve", db, seed ? "seed" : "no-seed"], {
    stdout: "pipe",
    stderr: "inherit",
  });
  const reader = child.stdout.getReader();
  let line = "";
  while (!line.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("relay process exited before listening");
    line += new TextDecoder().decode(value);
  }
  const { port } = JSON.parse(line.split("\n")[0]!) as { port: number };
  return { base: `http://127.0.0.1:${port}`, kill: () => child.kill() };
}

/** wrk against one base (-t2 -c16) or two at once (-t1 -c8 each): summed req/s, the worse p50/p99. */
async function load(bases: string[], path: string, seconds: number, script?: string): Promise<WrkResult> {
  const runs = (s: number) =>
    Promise.all(bases.map((b) => (bases.length === 1 ? wrk(b + path, s, script) : wrkHalf(b + path, s, script))));
  await runs(2); // warm-up, not reported
  const rs = await runs(seconds);
  const ms = (t: string) =>
    t.endsWith("us")
      ? Number.parseFloat(t) / 1000
      : t.endsWith("ms")
        ? Number.parseFloat(t)
        : Number.parseFloat(t) * 1000;
  const worst = (k: "p50" | "p99") => rs.map((r) => r[k]).sort((a, b) => ms(b) - ms(a))[0]!;
  return {
    rps: rs.reduce((n, r) => n + r.rps, 0),
    p50: worst("p50"),
    p99: worst("p99"),
    requests: rs.reduce((n, r) => n + r.requests, 0),
    non2xx: rs.reduce((n, r) => n + r.non2xx, 0),
    errors: rs
      .map((r) => r.errors)
      .filter(Boolean)
      .join(" "),
  };
}

/** wrk with half the threads and connections (two of these run at once). */
async function wrkHalf(url: string, seconds: number, script?: string): Promise<WrkResult> {
  const args = ["wrk", "-t1", "-c8", `-d${seconds}s`, "--latency", ...(script ? ["-s", script] : []), url];
  const p = Bun.spawn(args, { stdout: "pipe", stderr: "pipe" });
  const out = await new Response(p.stdout).text();
  await p.exited;
  const num = (re: RegExp) => Number(out.match(re)?.[1] ?? NaN);
  const lat = (pct: string) => out.match(new RegExp(`^\\s+${pct}%\\s+(\\S+)`, "m"))?.[1] ?? "?";
  return {
    rps: num(/Requests\/sec:\s+([\d.]+)/),
    p50: lat("50"),
    p99: lat("99"),
    requests: num(/(\d+) requests in/),
    non2xx: num(/Non-2xx or 3xx responses:\s+(\d+)/) || 0,
    errors: out.match(/Socket errors:.*$/m)?.[0] ?? "",
  };
}

export async function main(dbArg: string): Promise<void> {
  const seconds = arg("--duration", 10);
  const wsMessages = arg("--messages", 1000);
  if (!Bun.which("wrk")) {
    console.error("wrk not found: apt-get install -y wrk");
    process.exit(2);
  }
  const dir = mkdtempSync(join(tmpdir(), "felund-relay-pg-bench-"));
  let cluster: PgCluster | null = null;
  const scripts = lua(dir);
  try {
    let url = dbArg;
    if (dbArg === "pg") {
      cluster = await startPgCluster({ durable: true });
      url = await cluster.createDatabase("felund_bench");
    }
    const cpu = readFileSync("/proc/cpuinfo", "utf8")
      .match(/^model name\s*:\s*(.+)$/m)?.[1]
      ?.trim();
    const pgVersion = Bun.spawnSync(["sh", "-c", "ls /usr/lib/postgresql"]).stdout.toString().trim();
    console.log("felund relay benchmark: SQLite and PostgreSQL, one and two relay processes");
    console.log(
      `  machine   ${navigator.hardwareConcurrency} CPUs (${cpu}), Bun ${Bun.version}; wrk, the relays and PostgreSQL share it`,
    );
    console.log(`  SQLite    one file in ${dir} (WAL, synchronous=FULL); the second process opens the same file`);
    console.log(
      cluster
        ? `  Postgres  throwaway cluster (PostgreSQL ${pgVersion}, defaults, fsync on) on 127.0.0.1:${cluster.port}`
        : `  Postgres  ${url.replace(/:[^:@/]*@/, ":***@")} (as given)`,
    );
    console.log("            each relay process: a Bun.SQL pool of 16 connections; one LISTEN connection");
    console.log(`  load      rate limits off; ${seconds} s per case after a 2 s warm-up; one process: wrk -t2 -c16;`);
    console.log("            two processes: two wrk -t1 -c8 at once (req/s summed, the worse p50/p99 shown)");
    console.log(
      `            POSTs all go to one circle_hint (its writes serialise on the hint's seq row in PostgreSQL)`,
    );
    console.log(`            GET: a page of ${PAGE} at a random cursor in a circle of ${SEED}`);
    console.log("");
    const row = (name: string, r: WrkResult) =>
      console.log(
        `  ${name.padEnd(40)} ${r.rps.toFixed(0).padStart(7)} req/s   p50 ${r.p50.padStart(8)}   p99 ${r.p99.padStart(8)}` +
          (r.non2xx ? `   NON-2xx: ${r.non2xx}` : "") +
          (r.errors ? `   ${r.errors}` : ""),
      );
    const ws = (name: string, d: { p50: number; p99: number; max: number; lost: number }) =>
      console.log(
        `  ${name.padEnd(40)} ${String(wsMessages).padStart(7)} msgs    p50 ${d.p50.toFixed(2).padStart(5)} ms   p99 ${d.p99.toFixed(2).padStart(5)} ms   max ${d.max.toFixed(2)} ms   lost ${d.lost}`,
      );
    for (const [name, db] of [
      ["SQLite", join(dir, "relay.sqlite")],
      ["PostgreSQL", url],
    ] as const) {
      const one = await spawnRelay(db, true);
      const procs = [one];
      try {
        console.log(`  ${name}, 1 process`);
        row(
          "  POST 1 envelope, new msg_id (stored)",
          await load([one.base], "/v1/messages", seconds, scripts.postUnique),
        );
        row(`  GET ${PAGE} at a random cursor`, await load([one.base], "/v1/messages", seconds, scripts.getRandom));
        ws("  POST -> WebSocket, same process", await wsDelay(one.base, wsMessages));
        const two = await spawnRelay(db, false);
        procs.push(two);
        const both = [one.base, two.base];
        console.log(`  ${name}, 2 processes on one database`);
        row("  POST 1 envelope, new msg_id (stored)", await load(both, "/v1/messages", seconds, scripts.postUnique));
        row(`  GET ${PAGE} at a random cursor`, await load(both, "/v1/messages", seconds, scripts.getRandom));
        if (isPg(db)) ws("  POST -> WebSocket, across processes", await wsDelay(two.base, wsMessages, one.base));
        else console.log("    POST -> WebSocket, across processes       none: SQLite has no cross-process fan-out");
      } finally {
        for (const p of procs) p.kill();
      }
      console.log("");
    }
    console.log("  POST: answered once durable (SQLite: group commit + fsync; PostgreSQL: commit, fsync on).");
    console.log("  POST -> WebSocket: from just before fetch() until the frame is read, one message in flight.");
  } finally {
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main && process.argv.includes("--serve")) {
  const i = process.argv.indexOf("--serve");
  await serve(process.argv[i + 1]!, process.argv[i + 2] === "seed");
}
