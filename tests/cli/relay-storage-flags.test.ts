// `felund relay`'s storage flags (a real process on 127.0.0.1): --hint-quota-mb bounds what one
// circle may hold (429), and bad values are refused with a clear message.
import { afterAll, expect, test } from "bun:test";
import { felund, removeTempDirs, startFelund, tempDir, type Running } from "./helpers.ts";

const procs: Running[] = [];
afterAll(() => {
  for (const p of procs) p.proc.kill();
  removeTempDirs();
});

test("--hint-quota-mb 1: a circle that would hold more than 1 MiB is refused with 429, another circle is not", async () => {
  const r = await startFelund(
    tempDir(),
    ["relay", "--http", "127.0.0.1:0", "--hint-quota-mb", "1", "--no-web"],
    /relay base for nodes and browsers: (http:\/\/127\.0\.0\.1:\d+)/,
  );
  procs.push(r);
  const base = r.match[1]!;
  const batch = (n: number) =>
    Array.from({ length: n }, () => ({
      msg_id: crypto.randomUUID().replace(/-/g, ""),
      created_ts: 1700000000,
      enc: { ciphertext: "A".repeat(60_000) },
    }));
  const post = (hint: string, n: number) =>
    fetch(`${base}/v1/messages`, { method: "POST", body: JSON.stringify({ circle_hint: hint, messages: batch(n) }) });
  expect((await post("e03c84dccc271635", 10)).status).toBe(200); // ~600 KB
  const over = await post("e03c84dccc271635", 10);
  expect(over.status).toBe(429);
  expect(over.headers.get("retry-after")).not.toBeNull();
  expect((await post("f14d95eddd382746", 10)).status).toBe(200);
  expect(r.errors()).toBe("");
});

test("bad storage flags are refused", async () => {
  for (const args of [
    ["--hint-quota-mb", "0"],
    ["--disk-floor-mb", "-1"],
    ["--hint-quota-mb", "100", "--total-quota-mb", "10"],
  ]) {
    const res = await felund(tempDir(), "relay", "--http", "127.0.0.1:0", ...args);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--(hint-quota-mb|disk-floor-mb)/);
  }
});
