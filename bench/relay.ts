// Load test of the relay (issue 3): `npx bun bench/relay.ts`. Starts the standalone relay in
// a child process on 127.0.0.1 with a fresh SQLite file (WAL, synchronous=FULL, rate limits
// off), drives it with wrk (-t2 -c16, 10 s per case, Lua scripts written to a temp dir) and
// measures the delay from a POST to a WebSocket subscriber over 1,000 messages. Prints the
// setup and every figure as measured. Options: --duration S, --messages N, --keep.
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const HINT_POST = "b0a1b2c3d4e5f607";
const HINT_GET = "c1d2e3f4a5b6c7d8";
const HINT_WS = "d2e3f4a5b6c7d8e9";
const SEED = 10_000;
const SEED_PER_SECOND = 50; // seeded envelopes are spread over 200 s, 50 per second
const PAGE = 200;

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};

/** A realistic relay envelope (PROTOCOL-V1.md §4.4) with a given msg_id: ~350 bytes of JSON. */
function envelope(msgId: string, ts: number) {
  return {
    msg_id: msgId,
    circle_id: "630dcd2966c4336691125448",
    channel_id: "general",
    author_node_id: "a1b2c3d4e5f60718293a4b5c",
    created_ts: ts,
    enc: {
      alg: "AES-256-GCM",
      key_id: "epoch-0",
      nonce: "AAECAwQFBgcICQoL",
      ciphertext: "P+qAgq7+/8wc0tBDIRdixIF9acii+xplJavxON37gZgiV68RQgyiNs+edQwylW7WcJaZVejt1nCFb242vY8=",
    },
  };
}
const hex = (n: number) =>
  [...crypto.getRandomValues(new Uint8Array(n))].map((b) => b.toString(16).padStart(2, "0")).join("");

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

// ---------------------------------------------------------------- the driver

interface WrkResult {
  rps: number;
  p50: string;
  p99: string;
  requests: number;
  non2xx: number;
  errors: string;
}

function lua(dir: string): { postUnique: string; postSame: string; getRandom: string } {
  const body = (id: string) =>
    JSON.stringify({ circle_hint: HINT_POST, messages: [envelope("MSGID", 1_700_000_000)] }).replace('"MSGID"', id);
  const postUnique = join(dir, "post-unique.lua");
  writeFileSync(
    postUnique,
    `-- one envelope per request, a fresh random msg_id each time (every request stores a row)
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local pre, post = ${JSON.stringify(body("MSGID").split("MSGID")[0] + '"')}, ${JSON.stringify('"' + body("MSGID").split("MSGID")[1])}
request = function()
  local id = string.format("%08x%08x%08x%08x", math.random(0, 0x7fffffff), math.random(0, 0x7fffffff), math.random(0, 0x7fffffff), math.random(0, 0x7fffffff))
  return wrk.format(nil, "/v1/messages", nil, pre .. id .. post)
end
`,
  );
  const postSame = join(dir, "post-same.lua");
  writeFileSync(
    postSame,
    `-- the same envelope every time: after the first request it is a duplicate (nothing written)
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = ${JSON.stringify(body('"0123456789abcdef0123456789abcdef"'))}
`,
  );
  const getRandom = join(dir, "get-random-cursor.lua");
  writeFileSync(
    getRandom,
    `-- a page of ${PAGE} at a random cursor in the circle (pages are rarely the same twice)
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
request = function()
  return wrk.format("GET", "/v1/messages?circle_hint=${HINT_GET}&limit=${PAGE}&cursor=" .. math.random(0, ${SEED - PAGE}))
end
`,
  );
  return { postUnique, postSame, getRandom };
}

async function wrk(url: string, seconds: number, script?: string): Promise<WrkResult> {
  const args = ["wrk", "-t2", "-c16", `-d${seconds}s`, "--latency", ...(script ? ["-s", script] : []), url];
  const p = Bun.spawn(args, { stdout: "pipe", stderr: "pipe" });
  const out = await new Response(p.stdout).text();
  const err = await new Response(p.stderr).text();
  await p.exited;
  if (p.exitCode !== 0) throw new Error(`wrk failed: ${err || out}`);
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

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

/** POST one envelope, wait for it on a WebSocket subscriber; one message in flight at a time. */
async function wsDelay(base: string, n: number): Promise<{ p50: number; p99: number; max: number; lost: number }> {
  const ws = new WebSocket(`${base.replace("http", "ws")}/v1/relay/ws?circle_hint=${HINT_WS}&node_id=benchsubscriber`);
  await new Promise<void>((res, rej) => {
    ws.onopen = () => res();
    ws.onerror = () => rej(new Error("WebSocket failed"));
  });
  let waiting: { id: string; done: (t: number) => void } | null = null;
  ws.onmessage = (ev) => {
    const t = performance.now();
    if (waiting && String(ev.data).includes(waiting.id)) waiting.done(t);
  };
  const delays: number[] = [];
  let lost = 0;
  for (let i = -50; i < n; i++) {
    const id = hex(16);
    const body = JSON.stringify({ circle_hint: HINT_WS, messages: [envelope(id, 1_700_000_000)] });
    const got = new Promise<number>((res) => {
      waiting = { id, done: res };
      setTimeout(() => res(-1), 2000);
    });
    const t0 = performance.now();
    const post = fetch(`${base}/v1/messages`, {
      method: "POST",
      body,
      headers: { "content-type": "application/json" },
    });
    const t1 = await got;
    await (await post).text();
    if (i < 0) continue; // warm-up
    if (t1 < 0) lost++;
    else delays.push(t1 - t0);
  }
  ws.close();
  return { p50: percentile(delays, 50), p99: percentile(delays, 99), max: percentile(delays, 100), lost };
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

if (process.argv.includes("--serve")) await serve(process.argv[process.argv.indexOf("--serve") + 1]!);
else await main();
