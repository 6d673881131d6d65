// Relay answers are read with a size cap (issue 12, item 4): a local fake relay (Bun.serve on
// 127.0.0.1:0) streams an endless body; the reader stops at the cap plus one chunk and aborts
// the request, and the node's relay client reports it instead of reading 300 MB.
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { readCapped, ResponseTooLarge } from "../../src/peer/capped-read.ts";
import type { FelundNode } from "../../src/node/node.ts";
import { RELAY_RESPONSE_MAX_BYTES } from "../../src/protocol/limits.ts";
import { startV2Node, waitFor } from "./helpers.ts";
import { FelundError } from "../../src/protocol/errors.ts";
import { RelayApi } from "../../src/peer/relay/api.ts";

setDefaultTimeout(60_000);

const CHUNK = 64 * 1024;
const HUGE = 300 * 1024 * 1024;

const cleanup: (() => void)[] = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

/** fetch `url`, then read its answer with the cap (src/peer/capped-read.ts); the error it ends with, if any. */
async function readAt(url: string, limit: number): Promise<unknown> {
  const ctl = new AbortController();
  const res = await fetch(url, { signal: ctl.signal });
  return readCapped(res, limit, () => ctl.abort()).then(
    () => null,
    (e) => e,
  );
}

/** A relay whose GET /v1/messages (or every path, with `all`) answers 300 MB of JSON-ish bytes, made as they are read. */
function hugeRelay(opts: { all?: boolean } = {}) {
  const stats = { served: 0, cancelled: false, hits: 0 };
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req) {
      const path = new URL(req.url).pathname;
      if (!opts.all && path !== "/v1/messages") return Response.json({ ok: true, peers: [], server_time: 1 });
      stats.hits++;
      const chunk = new Uint8Array(CHUNK).fill(0x20);
      chunk[0] = 0x5b; // "[" then spaces: never valid JSON before the end
      let sent = 0;
      const body = new ReadableStream(
        {
          pull(c) {
            if (sent >= HUGE) return c.close();
            c.enqueue(chunk);
            sent += CHUNK;
            stats.served += CHUNK;
          },
          cancel() {
            stats.cancelled = true;
          },
        },
        { highWaterMark: 0 },
      );
      return new Response(body, { headers: { "content-type": "application/json" } });
    },
  });
  cleanup.push(() => server.stop(true));
  return { url: `http://127.0.0.1:${server.port}`, stats };
}

test("the reader stops at the cap plus one chunk and aborts the request", async () => {
  const r = hugeRelay({ all: true });
  const limit = 1024 * 1024;
  const err = await readAt(`${r.url}/v1/anything`, limit);
  expect(err).toBeInstanceOf(ResponseTooLarge);
  const e = err as ResponseTooLarge;
  expect(e.bytesRead).toBeGreaterThan(limit);
  expect(e.bytesRead).toBeLessThanOrEqual(limit + 1024 * 1024); // one network chunk at most
  // the server stopped being read: a few socket buffers past the cap, not 300 MB
  await Bun.sleep(300);
  expect(r.stats.served).toBeLessThan(limit + 32 * 1024 * 1024);
});

test("a declared Content-Length over the cap is refused unread", async () => {
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: () => new Response(new Uint8Array(4 * 1024 * 1024)),
  });
  cleanup.push(() => server.stop(true));
  const err = await readAt(`http://127.0.0.1:${server.port}/v1/anything`, 1024);
  expect(err).toBeInstanceOf(ResponseTooLarge);
  expect((err as ResponseTooLarge).bytesRead).toBe(0);
});

test("the node's relay client aborts a 300 MB answer, logs it, and reads at most the cap", async () => {
  const r = hugeRelay();
  const node: FelundNode = await startV2Node("n", { relay: r.url, relayWs: false });
  cleanup.push(() => node.stop());
  const logs: string[] = [];
  node.subscribe((e) => {
    if (e.t === "debug") logs.push(e.line);
  });
  node.createCircle("club");
  await waitFor(
    () => /pull: response larger than/.test(node.relay?.lastError ?? ""),
    30_000,
    "the pull fails on the size cap",
  );
  expect(logs.some((l) => l.includes(`response larger than ${RELAY_RESPONSE_MAX_BYTES} bytes`))).toBe(true);
  await Bun.sleep(300);
  // every pull stopped at the cap (plus what socket buffers hold), far from 300 MB each
  expect(r.stats.hits).toBeGreaterThanOrEqual(1);
  expect(r.stats.served / r.stats.hits).toBeLessThan(RELAY_RESPONSE_MAX_BYTES + 32 * 1024 * 1024);
});

test("the relay-only browser's relay client reads a relay's answer with the same cap", async () => {
  const r = hugeRelay({ all: true });
  const api = new RelayApi(r.url, "b".repeat(24));
  const err = await api.health().then(
    () => null,
    (e) => e,
  );
  expect(err).toBeInstanceOf(FelundError);
  expect((err as FelundError).code).toBe("E_UNREACHABLE");
  expect(String((err as Error).message)).toContain(`response larger than ${RELAY_RESPONSE_MAX_BYTES} bytes`);
  await Bun.sleep(300);
  expect(r.stats.served).toBeLessThan(RELAY_RESPONSE_MAX_BYTES + 32 * 1024 * 1024);
});
