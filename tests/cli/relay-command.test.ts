// `felund relay` as a user runs it (a real process on 127.0.0.1), and the relay API that
// `felund serve` mounts beside its local API.
import { afterAll, describe, expect, test } from "bun:test";
import { removeTempDirs, startFelund, tempDir, type Running } from "./helpers.ts";

const procs: Running[] = [];
afterAll(() => {
  for (const p of procs) p.proc.kill();
  removeTempDirs();
});

describe("felund relay", () => {
  test("serves the relay API, its docs and the web client in relay mode; bad flags are refused", async () => {
    const r = await startFelund(
      tempDir(),
      ["relay", "--http", "127.0.0.1:0"],
      /relay base for nodes and browsers: (http:\/\/127\.0\.0\.1:\d+)/,
    );
    procs.push(r);
    const base = r.match[1]!;
    expect(await (await fetch(`${base}/v1/health`)).json()).toMatchObject({ ok: true, version: "0.1.0" });
    expect((await fetch(`${base}/api/v1/health`)).status).toBe(200);
    const post = await fetch(`${base}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        circle_hint: "e03c84dccc271635",
        messages: [{ msg_id: "2546b8cd83872e3cb9825e4ca0d6f867", created_ts: 1700000000, enc: { nonce: "x" } }],
      }),
    });
    expect(await post.json()).toMatchObject({ ok: true, stored: 1 });
    const got = (await (await fetch(`${base}/v1/messages?circle_hint=e03c84dccc271635&since=0`)).json()) as {
      messages: unknown[];
    };
    expect(got.messages).toHaveLength(1);
    expect((await fetch(`${base}/docs/json`)).status).toBe(200);
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('content="relay"');
    expect(r.errors()).toBe("");
  });

  test("refuses a bad --http with a clear message", async () => {
    const { felund } = await import("./helpers.ts");
    const res = await felund(tempDir(), "relay", "--http", "nowhere");
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("--http must be HOST:PORT");
  });
});

describe("felund serve mounts the relay", () => {
  test("/v1 answers without a token (it is the relay API); /api still needs the token", async () => {
    const r = await startFelund(
      tempDir(),
      ["serve", "--http", "127.0.0.1:0", "--port", "0"],
      /open (http:\/\/127\.0\.0\.1:\d+)\/#token=([0-9a-f]{64})/,
    );
    procs.push(r);
    const base = r.match[1]!;
    expect((await fetch(`${base}/v1/health`)).status).toBe(200);
    expect((await fetch(`${base}/api/state`)).status).toBe(401);
    expect((await fetch(`${base}/api/state`, { headers: { authorization: `Bearer ${r.match[2]}` } })).status).toBe(200);
  });
});
