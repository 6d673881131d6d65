// Operator settings, /metrics and json logs (issue 18): file < FELUND_* env < flags, shown by
// --print-config with sources; bad keys exit 2 naming the key; a limit from the file applies;
// /metrics of the relay and of the node parse as Prometheus text and move; json logs parse.
import { afterAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { removeTempDirs, ROOT, spawnUntilReady, tempDir, type Running } from "./helpers.ts";

const MAIN = join(ROOT, "src/cli/main.ts");
const procs: Running[] = [];
afterAll(() => {
  for (const p of procs) p.proc.kill();
  removeTempDirs();
});

function envOf(dir: string, extra: Record<string, string> = {}): Record<string, string> {
  const e: Record<string, string> = { ...(process.env as Record<string, string>), FELUND_STATE_DIR: dir, ...extra };
  for (const k of Object.keys(e)) if (k.startsWith("FELUND_") && k !== "FELUND_STATE_DIR" && !(k in extra)) delete e[k];
  return e;
}

async function run(dir: string, args: string[], extra: Record<string, string> = {}) {
  const p = Bun.spawn([process.execPath, MAIN, ...args], {
    cwd: ROOT,
    env: envOf(dir, extra),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(p.stdout).text(),
    new Response(p.stderr).text(),
    p.exited,
  ]);
  return { stdout, stderr, code };
}

const configFile = (dir: string, name: string, text: string) => {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
};

/** Every sample line of a Prometheus text body, checked against the format; name{labels} -> value. */
function parseProm(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("# HELP ") || line.startsWith("# TYPE ")) continue;
    const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})?) (\S+)$/);
    if (!m) throw new Error(`not Prometheus text: ${line}`);
    out.set(m[1]!, Number(m[2]));
  }
  return out;
}

test("relay settings: file < env < flag, printed with their sources", async () => {
  const dir = tempDir();
  const file = configFile(
    dir,
    "relay.toml",
    'retention_days = 9\nlog_format = "json"\n[rate.ip]\nburst = 7\nper_second = 2\n',
  );
  const r = await run(dir, ["relay", "--config", file, "--print-config", "--retention-days", "11"], {
    FELUND_RATE_IP_BURST: "8",
  });
  expect(r.code).toBe(0);
  const line = (k: string) => r.stdout.split("\n").find((l) => l.startsWith(`${k} = `))!;
  expect(line("retention_days")).toMatch(/= 11\s+# flag$/);
  expect(line("rate.ip.burst")).toMatch(/= 8\s+# env$/);
  expect(line("rate.ip.per_second")).toMatch(/= 2\s+# file$/);
  expect(line("log_format")).toMatch(/= "json"\s+# file$/);
  expect(line("ws.max_total")).toMatch(/= 20000\s+# default$/);
  // the same file as JSON
  const json = configFile(dir, "relay.json", JSON.stringify({ rate: { ip: { burst: 5 } } }));
  expect((await run(dir, ["relay", "--config", json, "--print-config"])).stdout).toMatch(
    /rate\.ip\.burst = 5\s+# file/,
  );
});

test("serve settings: file < env < flag", async () => {
  const dir = tempDir();
  const file = configFile(dir, "node.toml", 'interval = 30\nport = 7000\nhttp = "127.0.0.1:9000"\n');
  const r = await run(dir, ["serve", "--config", file, "--print-config", "--port", "7100"], { FELUND_INTERVAL: "40" });
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^interval = 40\s+# env$/m);
  expect(r.stdout).toMatch(/^port = 7100\s+# flag$/m);
  expect(r.stdout).toMatch(/^http = "127\.0\.0\.1:9000"\s+# file$/m);
});

test("invalid settings: one line naming the key, exit 2", async () => {
  const dir = tempDir();
  const cases: [string[], Record<string, string>, RegExp][] = [
    [["--config", configFile(dir, "a.toml", "no_such_key = 1\n")], {}, /unknown key "no_such_key"/],
    [
      ["--config", configFile(dir, "b.toml", 'retention_days = "x"\n')],
      {},
      /config .*b\.toml: retention_days must be 1-3650/,
    ],
    [["--config", configFile(dir, "c.toml", "[ws]\nidle_s = 1\n")], {}, /ws\.idle_s must be 5-960/],
    [["--config", configFile(dir, "d.toml", 'trust_proxy = ["10.0.0.0/33"]\n')], {}, /trust_proxy: "10\.0\.0\.0\/33"/],
    [[], { FELUND_RATE_HINT_BURST: "lots" }, /FELUND_RATE_HINT_BURST: rate\.hint\.burst must be/],
    [["--log-format", "xml"], {}, /--log-format must be one of text, json/],
  ];
  for (const [args, env, re] of cases) {
    const r = await run(dir, ["relay", "--http", "127.0.0.1:0", ...args], env);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(re);
  }
});

test("a rate limit from the config file applies; /metrics counts requests and refusals; json logs", async () => {
  const dir = tempDir();
  const file = configFile(
    dir,
    "relay.toml",
    'log_format = "json"\nweb = false\n[rate.ip]\nburst = 3\nper_second = 0.01\n',
  );
  const r = await spawnUntilReady(
    [process.execPath, MAIN, "relay", "--config", file, "--http", "127.0.0.1:0"],
    envOf(dir),
    /"event":"relay.base".*\n/,
    10_000,
    "relay",
  );
  procs.push(r);
  const lines = r
    .output()
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  for (const o of lines) {
    expect(typeof o.level).toBe("string");
    expect(Number.isNaN(Date.parse(o.time))).toBe(false);
    expect(typeof o.event).toBe("string");
  }
  const base = lines.find((o) => o.event === "relay.base").url as string;
  const statuses: number[] = [];
  for (let i = 0; i < 5; i++) statuses.push((await fetch(`${base}/v1/health`)).status);
  expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
  expect(statuses.slice(3)).toEqual([429, 429]);
  const m = await fetch(`${base}/metrics`);
  expect(m.status).toBe(200);
  expect(m.headers.get("content-type")).toStartWith("text/plain; version=0.0.4");
  const prom = parseProm(await m.text());
  expect(prom.get('felund_relay_http_requests_total{route="/v1/health",status="200"}')).toBe(3);
  expect(prom.get('felund_relay_http_requests_total{route="/v1/health",status="429"}')).toBe(2);
  expect(prom.get('felund_relay_rate_limited_total{route="/v1/health"}')).toBe(2);
  expect(prom.get("felund_relay_stored_envelopes")).toBe(0);
  expect(prom.get("felund_relay_ws_subscribers")).toBe(0);
  expect(prom.get("felund_relay_db_bytes")).toBeGreaterThan(0);
  expect(prom.has('felund_relay_write_seconds_bucket{le="+Inf"}')).toBe(true);
  r.proc.kill("SIGTERM");
  await r.proc.exited;
  for (const l of r.errors().trim().split("\n").filter(Boolean)) expect(JSON.parse(l).event).toMatch(/^[a-z._]+$/);
});

test("relay /metrics: stored envelopes, pushes and write latency move after a POST", async () => {
  const dir = tempDir();
  const r = await spawnUntilReady(
    [process.execPath, MAIN, "relay", "--http", "127.0.0.1:0", "--no-web"],
    envOf(dir, { FELUND_METRICS_TOKEN: "s3cret" }),
    /relay base for nodes and browsers: (http:\/\/127\.0\.0\.1:\d+)/,
    10_000,
    "relay",
  );
  procs.push(r);
  const base = r.match[1]!;
  const hint = "e03c84dccc271635";
  const ws = new WebSocket(`${base.replace("http", "ws")}/v1/relay/ws?circle_hint=${hint}&node_id=opsclient01`);
  await new Promise((ok) => (ws.onopen = ok));
  const post = await fetch(`${base}/v1/messages`, {
    method: "POST",
    body: JSON.stringify({ circle_hint: hint, messages: [{ msg_id: "0123456789abcdef", created_ts: 1, text: "x" }] }),
  });
  expect(post.status).toBe(200);
  expect((await fetch(`${base}/metrics`)).status).toBe(401);
  const prom = parseProm(
    await (await fetch(`${base}/metrics`, { headers: { authorization: "Bearer s3cret" } })).text(),
  );
  expect(prom.get("felund_relay_stored_envelopes")).toBe(1);
  expect(prom.get("felund_relay_ws_subscribers")).toBe(1);
  expect(prom.get("felund_relay_ws_pushes_total")).toBe(1);
  expect(prom.get("felund_relay_write_seconds_count")).toBe(1);
  ws.close();
});

test("node /api/metrics: behind the token, Prometheus text, messages in by path move; serve logs json", async () => {
  const dir = tempDir();
  const r = await spawnUntilReady(
    [process.execPath, MAIN, "serve", "--http", "127.0.0.1:0", "--port", "0", "--log-format", "json"],
    envOf(dir),
    /"event":"node.url".*\n/,
    15_000,
    "serve",
  );
  procs.push(r);
  const events = r
    .output()
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  const open = events.find((o) => o.event === "node.url");
  const [, url, token] = (open.msg as string).match(/open (http:\/\/[^/]+)\/#token=(\S+)/)!;
  expect((await fetch(`${url}/api/metrics`)).status).toBe(401);
  const auth = { authorization: `Bearer ${token}` };
  const scrape = async () => {
    const res = await fetch(`${url}/api/metrics`, { headers: auth });
    expect(res.headers.get("content-type")).toStartWith("text/plain; version=0.0.4");
    return parseProm(await res.text());
  };
  const before = await scrape();
  expect(before.get('felund_node_messages_in_total{path="local"}') ?? 0).toBe(0);
  expect(before.get("felund_node_sessions")).toBe(0);
  expect(before.get("felund_node_relay_configured")).toBe(0);
  const c = await (
    await fetch(`${url}/api/circles`, { method: "POST", headers: auth, body: JSON.stringify({ name: "ops" }) })
  ).json();
  const circleId = (c.circle?.circleId ?? c.circleId) as string;
  const sent = await fetch(`${url}/api/circles/${circleId}/messages`, {
    method: "POST",
    headers: auth,
    body: JSON.stringify({ channel: "general", text: "hello" }),
  });
  expect(sent.status).toBe(200);
  const after = await scrape();
  expect(after.get('felund_node_messages_in_total{path="local"}')).toBeGreaterThanOrEqual(1);
  expect(after.get("felund_node_circles")).toBe(1);
});

test("trust_proxy ranges: proxy headers believed only from a peer in them", async () => {
  const { clientAddress } = await import("../../src/relay/http.ts");
  const { rangeMatcher } = await import("../../src/relay/cidr.ts");
  const req = () => new Request("http://relay/v1/health", { headers: { "x-forwarded-for": "1.2.3.4, 9.9.9.9" } });
  const from = (address: string) => ({ requestIP: () => ({ address }) });
  const trust = rangeMatcher(["10.0.0.0/8", "fd00::/8"]);
  expect(clientAddress(req(), from("10.1.2.3"), trust)).toBe("9.9.9.9");
  expect(clientAddress(req(), from("::ffff:10.1.2.3"), trust)).toBe("9.9.9.9");
  expect(clientAddress(req(), from("fd12::1"), trust)).toBe("9.9.9.9");
  expect(clientAddress(req(), from("11.1.2.3"), trust)).toBe("11.1.2.3");
  expect(clientAddress(req(), from("2001:db8::1"), trust)).toBe("2001:db8::1");
});
