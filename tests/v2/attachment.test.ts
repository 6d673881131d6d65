// Attachments (docs/PROTOCOL.md §20): the vectors, the kind-7 rules on arrival, and chunks over
// a v2 session: only chunks asked for, only chunks listed in the session's circle, never a chunk
// that does not match its id.
import { describe, expect, test } from "bun:test";
import { fromHex, toHex } from "../../src/protocol/bytes.ts";
import { chunkId, sealFile } from "../../src/protocol/v2/attachment.ts";
import { KIND_ATTACHMENT, signMessage, orderFields } from "../../src/protocol/v2/message.ts";
import { composeAttachment } from "../../src/sync/attachment-compose.ts";
import { MemBlobStore } from "../../src/sync/blobs.ts";
import { V2Blobs } from "../../src/sync/v2-blobs.ts";
import { acceptSigned } from "../../src/sync/v2-apply.ts";
import { assemble, indexAttachments } from "../../src/peer/attachments.ts";
import { check, compute, fileOf } from "./attachment-vectors.ts";
import { connect, joinCircle, makeNode, NOW } from "./helpers.ts";
import { loadV2 } from "./vector-inputs.ts";

const file = loadV2("v2-attachment");

describe("v2-attachment.json", () => {
  test("the file has cases", () => expect(file.valid.length).toBeGreaterThan(1));
  for (const c of file.valid)
    test(`valid: ${c.name}`, () => {
      const { expect: want, ...input } = c;
      expect(compute(input)).toEqual(want);
    });
  for (const c of file.invalid) test(`invalid: ${c.name}`, () => expect(check(c)).toBe(c.reason));
});

function pair() {
  const alice = makeNode("alice");
  const bob = makeNode("bob");
  const circleId = joinCircle(alice, alice);
  joinCircle(bob, alice);
  const ab = new MemBlobStore();
  const bb = new MemBlobStore();
  alice.deps.blobs = ab;
  bob.deps.blobs = bb;
  return { alice, bob, circleId, ab, bb };
}

const bytes3 = fileOf(5, 3 * 65536 + 7);

describe("kind 7 on arrival", () => {
  test("an attachment is stored with its label; the descriptor and the file come back", () => {
    const { alice, circleId, ab } = pair();
    const r = composeAttachment(alice.ctx(), ab, {
      circleId,
      channelId: "general",
      displayName: "alice",
      now: NOW,
      rng: alice.deps.rng,
      maxBytes: 25e6,
      file: { name: "a.bin", mime: "application/octet-stream", bytes: bytes3, caption: "hi" },
    });
    if (!r.ok) throw new Error(r.reason);
    expect(r.value.row.text).toBe("📎 a.bin (197 kB) hi");
    expect(r.value.chunks.length).toBe(4);
    expect(toHex(assemble(alice.store, ab, circleId, r.value.row.msgId))).toBe(toHex(bytes3));
  });

  test("refused: legacy circle, over the limit, a malformed body", () => {
    const alice = makeNode("alice");
    const legacy = joinCircle(alice, alice, { mode: "v1" });
    const blobs = new MemBlobStore();
    const base = { channelId: "general", displayName: "a", now: NOW, rng: alice.deps.rng };
    const f = { name: "x.txt", mime: "text/plain", bytes: new Uint8Array(10) };
    const a = composeAttachment(alice.ctx(), blobs, { ...base, circleId: legacy, maxBytes: 100, file: f });
    expect(a.ok ? "" : a.reason).toContain("need a v2 circle");
    const bob = makeNode("bob");
    const c2 = joinCircle(bob, bob, { secret: "3b".repeat(32) });
    const big = composeAttachment(bob.ctx(), blobs, { ...base, circleId: c2, maxBytes: 5, file: f });
    expect(big.ok ? "" : big.reason).toContain("file too large");
    const bad = signMessage(bob.keys.edSecret, {
      circleId: c2,
      channelId: "general",
      authorKey: bob.keys.edPublic,
      ...orderFields(NOW * 1000 + 5, 9),
      keyEpoch: 0,
      kind: KIND_ATTACHMENT,
      displayName: "bob",
      body: new Uint8Array([0, 0, 0, 0, 1, 65]),
      salt: new Uint8Array(16),
    });
    const v = acceptSigned(bob.ctx(), bob.store.getCircle(c2)!, bad.wire, "v2");
    expect(v.ok ? "" : v.reason).toBe("attachment: truncated");
    expect(blobs.chunks.size).toBe(0);
  });
});

describe("chunks over a v2 session", () => {
  test("bob fetches alice's chunks; resume asks only for the rest", () => {
    const { alice, bob, circleId, ab, bb } = pair();
    const r = composeAttachment(alice.ctx(), ab, {
      circleId,
      channelId: "general",
      displayName: "alice",
      now: NOW,
      rng: alice.deps.rng,
      maxBytes: 25e6,
      file: { name: "a.bin", mime: "application/octet-stream", bytes: bytes3 },
    });
    if (!r.ok) throw new Error(r.reason);
    const conn = connect(bob, alice, circleId);
    const row = bob.store.getMessages(circleId, [r.value.row.msgId])[0]!;
    expect(row.text).toBe("📎 a.bin (197 kB)");
    indexAttachments(bob.store, bb, [row]);
    const ids = r.value.attachment.chunks;
    // first transfer: two chunks, then the link drops
    conn.feed("client", conn.client.wantBlobs(ids.slice(0, 2)));
    conn.pump();
    expect(bb.held(circleId, ids).size).toBe(2);
    const before = conn.lines.length;
    conn.feed("client", conn.client.wantBlobs(ids.filter((id) => !bb.held(circleId, [id]).size)));
    conn.pump();
    // one BLOB_WANT and two BLOB_DATA: the held chunks were not asked again
    expect(conn.lines.length - before).toBe(3);
    expect(toHex(assemble(bob.store, bb, circleId, row.msgId))).toBe(toHex(bytes3));
    expect(conn.closed).toEqual({});
  });

  test("a chunk not listed in the session's circle is answered 'not held'", () => {
    const { alice, bob, circleId, ab, bb } = pair();
    const other = sealFile(new Uint8Array(32), new Uint8Array(100));
    ab.putChunk("another-circle", other.ids[0]!, other.chunks[0]!);
    ab.putChunk(circleId, other.ids[0]!, other.chunks[0]!); // held, but no message of this circle lists it
    ab.listChunks("another-circle", "m", other.ids);
    const conn = connect(bob, alice, circleId);
    conn.feed("client", conn.client.wantBlobs(other.ids));
    conn.pump();
    expect(bb.chunks.size).toBe(0);
    expect(conn.closed).toEqual({});
  });

  test("a chunk not asked for, or not matching its id, is refused", () => {
    const blobs = new MemBlobStore();
    const side = new V2Blobs(blobs, "c", () => NOW);
    const s = sealFile(new Uint8Array(32), new Uint8Array(500));
    const id = fromHex(s.ids[0]!);
    expect(side.arrived(id, s.chunks[0]!)).toEqual({ ok: false, kind: "reject", reason: "chunk not asked for" });
    side.want(s.ids);
    const bad = s.chunks[0]!.slice();
    bad[3] ^= 1;
    expect(side.arrived(id, bad)).toEqual({ ok: false, kind: "reject", reason: "chunk does not match its id" });
    expect(blobs.chunks.size).toBe(0);
    side.want(s.ids);
    expect(side.arrived(id, s.chunks[0]!).ok).toBe(true);
    expect(chunkId(blobs.getChunk("c", s.ids[0]!)!)).toBe(s.ids[0]!);
  });

  test("a non-member cannot open a session, so it is never served", () => {
    const { alice, circleId, ab } = pair();
    const eve = makeNode("eve");
    // eve knows the circle id but not its secret
    eve.store.addCircle({ ...alice.store.getCircle(circleId)!, secretHex: "5f".repeat(32), owned: false });
    const conn = connect(eve, alice, circleId);
    expect(conn.client.live).toBe(false);
    expect(conn.client.wantBlobs(["00".repeat(16)]).send).toEqual([]);
    expect(ab.chunks.size).toBe(0);
  });
});
