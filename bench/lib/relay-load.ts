// The load of bench/relay.ts, shared by its SQLite and PostgreSQL runs: envelopes, the wrk
// Lua scripts, a wrk run parsed, and the POST -> WebSocket delay.
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export const HINT_POST = "b0a1b2c3d4e5f607";
export const HINT_GET = "c1d2e3f4a5b6c7d8";
export const HINT_WS = "d2e3f4a5b6c7d8e9";
export const SEED = 10_000;
export const SEED_PER_SECOND = 50; // seeded envelopes are spread over 200 s, 50 per second
export const PAGE = 200;

export const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};

/** A realistic relay envelope (PROTOCOL-V1.md §4.4) with a given msg_id: ~350 bytes of JSON. */
export function envelope(msgId: string, ts: number) {
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
export const hex = (n: number) =>
  [...crypto.getRandomValues(new Uint8Array(n))].map((b) => b.toString(16).padStart(2, "0")).join("");

export interface WrkResult {
  rps: number;
  p50: string;
  p99: string;
  requests: number;
  non2xx: number;
  errors: string;
}

export function lua(dir: string): { postUnique: string; postSame: string; getRandom: string } {
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

export async function wrk(url: string, seconds: number, script?: string): Promise<WrkResult> {
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

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

/** POST one envelope, wait for it on a WebSocket subscriber; one message in flight at a time. */
export async function wsDelay(
  base: string,
  n: number,
  postBase = base,
): Promise<{ p50: number; p99: number; max: number; lost: number }> {
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
    const post = fetch(`${postBase}/v1/messages`, {
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
