// PUT/GET /v1/blobs/:circle_hint/:chunk_id (attachment chunks, docs/PROTOCOL.md §20): the id is
// checked against the bytes, the size per chunk and per hint is bounded, chunks expire with the
// relay's retention, and hints are independent.
import { describe, expect, test } from "bun:test";
import { toHex } from "../../src/protocol/bytes.ts";
import { ATTACH_SEALED_CHUNK_MAX } from "../../src/protocol/limits.ts";
import { sealFile } from "../../src/protocol/v2/attachment.ts";
import { HINT, HINT2, makeRelay } from "./helpers.ts";

const file = sealFile(
  new Uint8Array(32).fill(7),
  new Uint8Array(150_000).map((_, i) => i & 255),
);

async function put(r: ReturnType<typeof makeRelay>, hint: string, id: string, data: Uint8Array) {
  const res = await r.app.handle(
    new Request(`http://localhost/v1/blobs/${hint}/${id}`, {
      method: "PUT",
      body: data as Uint8Array<ArrayBuffer>,
      headers: { "content-type": "application/octet-stream" },
    }),
  );
  return { status: res.status, json: (await res.json()) as any };
}
async function get(r: ReturnType<typeof makeRelay>, hint: string, id: string) {
  const res = await r.app.handle(new Request(`http://localhost/v1/blobs/${hint}/${id}`));
  return { status: res.status, bytes: new Uint8Array(await res.arrayBuffer()) };
}

describe("relay blobs", () => {
  test("a chunk stored comes back byte for byte, only under its hint", async () => {
    const r = makeRelay();
    const id = file.ids[0]!;
    expect(await put(r, HINT, id, file.chunks[0]!)).toEqual({ status: 200, json: { ok: true, stored: true } });
    expect((await put(r, HINT, id, file.chunks[0]!)).json.stored).toBe(false);
    const back = await get(r, HINT, id);
    expect(back.status).toBe(200);
    expect(toHex(back.bytes)).toBe(toHex(file.chunks[0]!));
    expect((await get(r, HINT2, id)).status).toBe(404);
  });

  test("refused: wrong id for the bytes, oversize, bad path; nothing is stored", async () => {
    const r = makeRelay();
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
    const r = makeRelay({ blobQuotaBytes: 100_000 } as never);
    expect((await put(r, HINT, file.ids[0]!, file.chunks[0]!)).status).toBe(200);
    const full = await put(r, HINT, file.ids[1]!, file.chunks[1]!);
    expect(full.status).toBe(429);
    expect((await put(r, HINT2, file.ids[1]!, file.chunks[1]!)).status).toBe(200);
  });

  test("chunks expire after the retention and are pruned", async () => {
    const r = makeRelay({ retentionS: 3600 } as never);
    await put(r, HINT, file.ids[0]!, file.chunks[0]!);
    r.advance(3601);
    expect((await get(r, HINT, file.ids[0]!)).status).toBe(404);
    r.app.relay.prune();
    const n = r.db.$client.query("SELECT COUNT(*) AS n FROM relay_blobs").get() as { n: number };
    expect(n.n).toBe(0);
  });
});
