// What a durable POST costs on this machine, below the relay (issue 3's POST target).
// `npx bun bench/relay-floor.ts`. Measures, with the same load as bench/relay.ts
// (wrk -t2 -c16, one new envelope per request, loopback, wrk on the same 2 cores):
//   1. fsync latency of this disk for a 16 KiB write, appended and overwritten in place;
//   2. the relay's own MessageStore in-process (no HTTP): group commits of 8 and 16 rows;
//   3. minimal HTTP servers that do less than any relay can: Bun.serve, JSON.parse of the
//      body, and (a) no storage, (b) one INSERT into the relay's table (all its indexes) per
//      request with group commit and no fsync, (c) the same with synchronous=FULL, which is
//      what "durable before the response" needs, (d) (c) with the writer in a Worker thread.
// Everything the real relay does besides (validation, rate limits, Elysia routing, cache,
// WebSocket push) comes on top, so (c)/(d) bound what any SQLite-backed relay reaches here.
// Options: --duration S (per wrk case, default 5).
import {
  closeSync,
  fdatasyncSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const HINT = "b0a1b2c3d4e5f607";
const ENVELOPE_TAIL =
  '","circle_id":"630dcd2966c4336691125448","channel_id":"general","author_node_id":"a1b2c3d4e5f60718293a4b5c","created_ts":1700000000,"enc":{"alg":"AES-256-GCM","key_id":"epoch-0","nonce":"AAECAwQFBgcICQoL","ciphertext":"P+qAgq7+/8wc0tBDIRdixIF9acii+xplJavxON37gZgiV68RQgyiNs+edQwylW7WcJaZVejt1nCFb242vY8="}}]}';
const INSERT =
  "INSERT OR IGNORE INTO relay_messages (circle_hint, msg_id, payload, created_ts, stored_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)";
type Variant = "http" | "sqlite-nosync" | "sqlite-durable" | "sqlite-durable-worker";

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};

// ---------------------------------------------------------------- servers (child processes)

async function serve(variant: Variant, dir: string): Promise<void> {
  const { openSqlite } = await import("../db/sqlite.ts");
  const dbPath = join(dir, "floor.sqlite");
  const db = openSqlite(dbPath); // the relay's schema and pragmas (WAL, synchronous=FULL)
  if (variant === "sqlite-nosync") db.exec("PRAGMA synchronous = OFF");
  const nowS = () => Math.floor(Date.now() / 1000);
  const insertBatch = inserter(db);
  let worker: Worker | null = null;
  if (variant === "sqlite-durable-worker") {
    worker = new Worker(new URL(import.meta.url).href, { argv: ["--writer"] } as WorkerOptions);
    worker.postMessage({ path: dbPath });
    await new Promise((r) => (worker!.onmessage = r));
  }
  // Group commit: every request queued in one turn of the event loop shares one transaction.
  let queue: { rows: string[]; resolve: (seq: number) => void }[] = [];
  let scheduled = false;
  let inFlight: typeof queue | null = null;
  const flushWorker = () => {
    if (inFlight || !queue.length) return;
    inFlight = queue;
    queue = [];
    worker!.postMessage(inFlight.flatMap((j) => j.rows));
  };
  if (worker)
    worker.onmessage = (ev: MessageEvent<number[]>) => {
      const done = inFlight!;
      inFlight = null;
      done.forEach((j, i) => j.resolve(ev.data[i]!));
      flushWorker();
    };
  const flush = () => {
    scheduled = false;
    if (worker) return flushWorker();
    const jobs = queue;
    queue = [];
    const seqs = insertBatch(jobs.flatMap((j) => j.rows));
    jobs.forEach((j, i) => j.resolve(seqs[i]!));
  };
  const headers = { "Content-Type": "application/json; charset=utf-8", "Access-Control-Allow-Origin": "*" };
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    routes: {
      "/v1/messages": {
        POST: async (req) => {
          const body = JSON.parse(await req.text()) as { circle_hint: string; messages: { msg_id: string }[] };
          const m = body.messages[0]!;
          if (variant !== "http") {
            await new Promise<number>((resolve) => {
              queue.push({ rows: [body.circle_hint, m.msg_id, JSON.stringify(m)], resolve });
              if (!scheduled) {
                scheduled = true;
                setImmediate(flush);
              }
            });
          }
          return new Response(`{"ok":true,"stored":${variant === "http" ? 0 : 1},"server_time":${nowS()}}`, {
            headers,
          });
        },
      },
    },
  });
  console.log(JSON.stringify({ port: server.port }));
}

/** One group commit: rows are [hint, msg_id, payload] triples; returns their seqs. */
function inserter(db: import("bun:sqlite").Database): (rows: string[]) => number[] {
  const ins = db.prepare(INSERT);
  const nowS = () => Math.floor(Date.now() / 1000);
  const tx = db.transaction((rows: string[]) => {
    const out: number[] = [];
    for (let i = 0; i < rows.length; i += 3)
      out.push(Number(ins.run(rows[i]!, rows[i + 1]!, rows[i + 2]!, 0, nowS(), nowS() + 86400).lastInsertRowid));
    return out;
  });
  return (rows) => tx.immediate(rows);
}

/** The Worker of "sqlite-durable-worker": its own connection (FULL), one transaction per batch. */
function writer(): void {
  const self = globalThis as unknown as { onmessage: (ev: MessageEvent) => void; postMessage(v: unknown): void };
  let tx: ((rows: string[]) => number[]) | null = null;
  self.onmessage = async (ev: MessageEvent) => {
    if (!tx) {
      const { openSqlite } = await import("../db/sqlite.ts");
      tx = inserter(openSqlite((ev.data as { path: string }).path));
      self.postMessage("ready");
      return;
    }
    self.postMessage(tx(ev.data as string[]));
  };
}

// ---------------------------------------------------------------- in-process measurements

function fsyncLatency(dir: string): { append: number; overwrite: number } {
  const buf = Buffer.alloc(16 * 1024, 1);
  const run = (append: boolean) => {
    const fd = openSync(join(dir, `fsync-${append}`), "w");
    for (let i = 0; i < 64; i++) writeSync(fd, buf, 0, buf.length, i * buf.length);
    fdatasyncSync(fd);
    const n = 300;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      writeSync(fd, buf, 0, buf.length, (append ? 64 + i : i % 64) * buf.length);
      fdatasyncSync(fd);
    }
    closeSync(fd);
    return ((performance.now() - t0) * 1000) / n;
  };
  return { append: run(true), overwrite: run(false) };
}

async function storeRate(dir: string, batch: number): Promise<{ rps: number; cpuUs: number }> {
  const { openSqlite } = await import("../db/sqlite.ts");
  const { MessageStore } = await import("../src/relay/messages/store.ts");
  const db = openSqlite(join(dir, `store-${batch}.sqlite`));
  const store = new MessageStore(
    db,
    () => Math.floor(Date.now() / 1000),
    () => 86400,
  );
  const payload = '{"msg_id":"x' + ENVELOPE_TAIL.slice(0, -2);
  const n = 16_000;
  // random msg_ids, as clients make them (each lands on its own leaf of the unique index)
  const id = () => Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("hex");
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i += batch) {
    const jobs = [];
    for (let k = 0; k < batch; k++) jobs.push(store.write(HINT, [{ msgId: id(), createdTs: 0, payload }]));
    await Promise.all(jobs);
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  db.close();
  return { rps: (n / ms) * 1000, cpuUs: (cpu.user + cpu.system) / n };
}

// ---------------------------------------------------------------- the driver

async function wrk(
  url: string,
  seconds: number,
  script: string,
): Promise<{ rps: number; p50: string; p99: string; non2xx: number }> {
  const p = Bun.spawn(["wrk", "-t2", "-c16", `-d${seconds}s`, "--latency", "-s", script, url], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const out = await new Response(p.stdout).text();
  if ((await p.exited) !== 0) throw new Error(`wrk failed: ${await new Response(p.stderr).text()}`);
  const lat = (pct: string) => out.match(new RegExp(`^\\s+${pct}%\\s+(\\S+)`, "m"))?.[1] ?? "?";
  return {
    rps: Number(out.match(/Requests\/sec:\s+([\d.]+)/)?.[1] ?? NaN),
    p50: lat("50"),
    p99: lat("99"),
    non2xx: Number(out.match(/Non-2xx or 3xx responses:\s+(\d+)/)?.[1] ?? 0),
  };
}

async function runVariant(variant: Variant, seconds: number, script: string) {
  const dir = mkdtempSync(join(tmpdir(), `felund-floor-${variant}-`));
  const child = Bun.spawn([process.execPath, import.meta.path, "--serve", variant, dir], {
    stdout: "pipe",
    stderr: "inherit",
  });
  try {
    const reader = child.stdout.getReader();
    let line = "";
    while (!line.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`${variant}: server exited before listening`);
      line += new TextDecoder().decode(value);
    }
    const { port } = JSON.parse(line.split("\n")[0]!) as { port: number };
    const url = `http://127.0.0.1:${port}/v1/messages`;
    await wrk(url, 2, script); // warm-up, not reported
    return await wrk(url, seconds, script);
  } finally {
    child.kill();
    await child.exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (!Bun.which("wrk")) {
    console.error("wrk not found: apt-get install -y wrk");
    process.exit(2);
  }
  const seconds = arg("--duration", 5);
  const dir = mkdtempSync(join(tmpdir(), "felund-floor-"));
  try {
    const script = join(dir, "post-unique.lua");
    writeFileSync(
      script,
      `math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local pre, post = ${JSON.stringify(`{"circle_hint":"${HINT}","messages":[{"msg_id":"`)}, ${JSON.stringify(ENVELOPE_TAIL)}
request = function()
  local id = string.format("%08x%08x%08x%08x", math.random(0, 0x7fffffff), math.random(0, 0x7fffffff), math.random(0, 0x7fffffff), math.random(0, 0x7fffffff))
  return wrk.format(nil, "/v1/messages", nil, pre .. id .. post)
end
`,
    );
    const cpu = readFileSync("/proc/cpuinfo", "utf8")
      .match(/^model name\s*:\s*(.+)$/m)?.[1]
      ?.trim();
    const load = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
    console.log("felund relay floor: what one durable POST costs below the relay");
    console.log(`  machine   ${navigator.hardwareConcurrency} CPUs (${cpu}), Bun ${Bun.version}; files in ${tmpdir()}`);
    console.log(`  load avg  ${load()} before (other work on the machine lowers every figure)`);
    const f = fsyncLatency(dir);
    console.log(
      `  fdatasync of a 16 KiB write: appended ${f.append.toFixed(0)} us, overwritten in place ${f.overwrite.toFixed(0)} us`,
    );
    for (const b of [8, 16]) {
      const r = await storeRate(dir, b);
      console.log(
        `  MessageStore in-process, group commits of ${String(b).padStart(2)} (FULL): ${r.rps.toFixed(0).padStart(6)} rows/s, ${r.cpuUs.toFixed(1)} us CPU per row (no HTTP)`,
      );
    }
    console.log(
      `  HTTP: wrk -t2 -c16 -d${seconds}s, one new msg_id per POST, minimal Bun.serve handlers (not the relay):`,
    );
    const rows: [Variant, string][] = [
      ["http", "Bun.serve + JSON.parse, nothing stored"],
      ["sqlite-nosync", "+ INSERT, group commit, synchronous=OFF (not durable)"],
      ["sqlite-durable", "+ INSERT, group commit, synchronous=FULL (durable)"],
      ["sqlite-durable-worker", "same, writer connection in a Worker thread"],
    ];
    for (const [v, what] of rows) {
      const r = await runVariant(v, seconds, script);
      console.log(
        `    ${what.padEnd(56)} ${r.rps.toFixed(0).padStart(7)} req/s   p50 ${r.p50.padStart(8)}   p99 ${r.p99.padStart(8)}${r.non2xx ? `   NON-2xx ${r.non2xx}` : ""}`,
      );
    }
    console.log(`  load avg  ${load()} after`);
    console.log("  Issue 3 asks >= 27,000 durable POSTs/s with p99 < 5 ms for the full relay under this load;");
    console.log("  the durable rows above do less than the relay must and bound what it can reach here.");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes("--writer")) writer();
else if (process.argv.includes("--serve")) {
  const i = process.argv.indexOf("--serve");
  await serve(process.argv[i + 1] as Variant, process.argv[i + 2]!);
} else await main();
