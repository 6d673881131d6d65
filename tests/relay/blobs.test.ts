// PUT/GET /v1/blobs/:circle_hint/:chunk_id (attachment chunks, docs/PROTOCOL.md §20): the id is
// checked against the bytes, the size per chunk and per hint is bounded, chunks expire with the
// relay's retention, and hints are independent. On both storage backends (SQLite and a
// throwaway PostgreSQL cluster, pg-helpers.ts), through app.handle.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { toHex } from "../../src/protocol/bytes.ts";
import { ATTACH_SEALED_CHUNK_MAX } from "../../src/protocol/limits.ts";
import type { RelayConfigInput } from "../../src/relay/config.ts";
import { sealFile } from "../../src/protocol/v2/attachment.ts";
import { HINT, HINT2, makeRelay, T0 } from "./helpers.ts";
import { makePgRelay, usePostgres } from "./pg-helpers.ts";

setDefaultTimeout(30_000);
usePostgres();

interface Relay {
  app: { handle(r: Request): Promise<Response>; relay: { prune(): unknown } };
  advance(seconds: number): void;
}
const BACKENDS: [string, (config?: RelayConfigInput) => Promise<Relay>][] = [
  ["SQLite", async (config) => makeRelay(config)],
  ["PostgreSQL", (config) => makePgRelay(config)],
];

const file = sealFile(
  new Uint8Array(32).fill(7),
  new Uint8Array(150_000).map((_, i) => i & 255),
);

async function put(r: Relay, hint: string, id: string, data: Uint8Array) {
  const res = await r.app.handle(
    new Request(`http://localhost/v1/blobs/${hint}/${id}`, {
      method: "PUT",
      body: data as Uint8Array<ArrayBuffer>,
      headers: { "content-type": "application/octet-stream" },
    }),
  );
  return { status: res.status, json: (await res.json()) as any };
}
async function get(r: Relay, hint: string, id: string) {
  const res = await r.app.handle(new Request(`http://localhost/v1/blobs/${hint}/${id}`));
  return { status: res.status, bytes: new Uint8Array(await res.arrayBuffer()) };
}

describe.each(BACKENDS)("relay blobs on %s", (_name, make) => {
  test("a chunk stored comes back byte for byte, only under its hint", async () => {
    const r = await make();
    const id = file.ids[0]!;
    expect(await put(r, HINT, id, file.chunks[0]!)).toEqual({ status: 200, json: { ok: true, stored: true } });
    expect((await put(r, HINT, id, file.chunks[0]!)).json.stored).toBe(false);
    const back = await get(r, HINT, id);
    expect(back.status).toBe(200);
    expect(toHex(back.bytes)).toBe(toHex(file.chunks[0]!));
    expect((await get(r, HINT2, id)).status).toBe(404);
  });

  test("refused: wrong id for the bytes, oversize, bad path; nothing is stored", async () => {
    const r = await make();
    const wrong = await put(r, HINT, file.ids[1]!, file.chunks[0]!);
    expect(wrong.status).toBe(422);
    expect(wrong.json.detail).toBe("chunk does not match its id");
    const big = new Uint8Array(ATTACH_SEALED_CHUNK_MAX + 1);
    const over = await put(r, HINT, file.ids[0]!, big);
    expect(over.status).toBe(413);
    expect((await put(r, "short", file.ids[0]!, file.chunks[0]!)).status).toBe(400);
    expect((await put(r, HINT, "XYZ", file.chunks[0]!)).status).toBe(400);
    expect((await get(r, HINT, file.ids[0]!)).status).toBe(404);
    expect((await get(r, HINT, file.ids[1]!)).status).toBe(404);
  });

  test("per-hint quota: 429 past it, other hints unaffected", async () => {
    const r = await make({ blobQuotaBytes: 100_000 });
    expect((await put(r, HINT, file.ids[0]!, file.chunks[0]!)).status).toBe(200);
    const full = await put(r, HINT, file.ids[1]!, file.chunks[1]!);
    expect(full.status).toBe(429);
    expect((await put(r, HINT2, file.ids[1]!, file.chunks[1]!)).status).toBe(200);
  });

  test("a PUT of a held chunk renews its expiry", async () => {
    const r = await make({ retentionS: 3600 });
    await put(r, HINT, file.ids[0]!, file.chunks[0]!);
    r.advance(3000);
    expect((await put(r, HINT, file.ids[0]!, file.chunks[0]!)).json.stored).toBe(false);
    r.advance(3000);
    expect((await get(r, HINT, file.ids[0]!)).status).toBe(200);
  });

  test("chunks expire after the retention and are pruned (their room comes back)", async () => {
    const r = await make({ retentionS: 3600, blobQuotaBytes: 100_000 });
    expect((await put(r, HINT, file.ids[0]!, file.chunks[0]!)).status).toBe(200);
    r.advance(3601);
    expect((await get(r, HINT, file.ids[0]!)).status).toBe(404);
    // expired chunks no longer count against the quota
    expect((await put(r, HINT, file.ids[1]!, file.chunks[1]!)).status).toBe(200);
    await r.app.relay.prune();
    // pruned: the same chunk is stored anew, not renewed
    expect((await put(r, HINT, file.ids[0]!, file.chunks[0]!)).status).toBe(429);
    r.advance(3601);
    await r.app.relay.prune();
    expect(await put(r, HINT, file.ids[0]!, file.chunks[0]!)).toEqual({
      status: 200,
      json: { ok: true, stored: true },
    });
  });
});

test("PostgreSQL: two relays on one database: concurrent PUTs of different chunks share one hint's quota", async () => {
  // three chunks (64 KiB, 64 KiB, ~22 KiB): any one fits in 70,000 bytes, no two do
  expect(file.chunks.length).toBe(3);
  const a = await makePgRelay({ blobQuotaBytes: 70_000 });
  const b = await makePgRelay({ blobQuotaBytes: 70_000 }, T0, a.url);
  const answers = await Promise.all(file.ids.map((id, i) => put(i % 2 ? a : b, HINT, id, file.chunks[i]!)));
  expect(answers.map((x) => x.status).sort()).toEqual([200, 429, 429]);
  // and each reads what the other stored
  const i = answers.findIndex((x) => x.status === 200);
  expect((await get(a, HINT, file.ids[i]!)).status).toBe(200);
  expect(toHex((await get(b, HINT, file.ids[i]!)).bytes)).toBe(toHex(file.chunks[i]!));
});
