// Attachments between two nodes over a real v2 session on 127.0.0.1 (docs/PROTOCOL.md §20): a
// 3 MB file sent by one is fetched by the other chunk by chunk; a transfer cut in the middle
// keeps what arrived, and the next fetch asks only for the rest. Through a relay: the sender
// uploads the chunks, a member without a session fetches them from the relay.
import { afterEach, describe, expect, test } from "bun:test";
import { openMemoryDb } from "../../db/client.ts";
import type { FelundNode } from "../../src/node/node.ts";
import { toHex } from "../../src/protocol/bytes.ts";
import { FelundError } from "../../src/protocol/errors.ts";
import { editMessage } from "../../src/peer/refs-actions.ts";
import { createRelayApp, NO_RATE_LIMITS, type RelayApp } from "../../src/relay/app.ts";
import { startV2Node, waitFor } from "./helpers.ts";

const cleanup: (() => void)[] = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});
const keep = <T extends { stop(): void }>(x: T): T => (cleanup.push(() => x.stop()), x);

const file3mb = () => {
  const b = new Uint8Array(3 * 1024 * 1024);
  for (let i = 0; i < b.length; i++) b[i] = (i * 31 + (i >> 12)) & 255;
  return b;
};

interface Sessions {
  wantBlobs(circleId: string, peer: string, ids: readonly string[]): boolean;
  close(circleId: string | null, reason: string): void;
}
const sessionsOf = (n: FelundNode) => (n as unknown as { sessions: Sessions }).sessions;

describe("attachments between nodes", () => {
  test("3 MB over a v2 session, cut in the middle, resumed without asking again for what arrived", async () => {
    const a = keep(await startV2Node("alice"));
    const b = keep(await startV2Node("bob"));
    const { circleId } = a.createCircle("files");
    await b.join({ code: a.inviteCode(circleId) });
    const bytes = file3mb();
    const row = await a.attachments.send(circleId, "general", {
      name: "big.bin",
      mime: "application/octet-stream",
      bytes,
    });
    expect(row.text).toBe("📎 big.bin (3.1 MB)");
    await waitFor(() => b.store.hasMessage(row.msgId), 10_000, "bob holds the message");
    await waitFor(() => b.sessionPeers(circleId).includes(a.nodeId), 10_000, "a live session");
    expect(b.attachments.info(circleId, row.msgId)).toMatchObject({
      name: "big.bin",
      size: bytes.length,
      chunks: 48,
      held: 0,
    });

    // record what bob asks for; cut the session when bob asks for the second window
    const asked: string[][] = [];
    const s = sessionsOf(b);
    const want = s.wantBlobs.bind(s);
    let cut = true;
    s.wantBlobs = (c, p, ids) => {
      asked.push([...ids]);
      if (cut && asked.length === 2) {
        s.close(circleId, "cut for the test");
        return true;
      }
      return want(c, p, ids);
    };
    const first = await b.attachments.fetch(circleId, row.msgId).catch((e) => e);
    expect(first).toBeInstanceOf(FelundError);
    expect((first as FelundError).message).toBe("32 of 48 chunks could not be fetched yet (try again later)");
    const heldAfterCut = b.attachments.info(circleId, row.msgId).held;
    expect(heldAfterCut).toBe(16);

    cut = false;
    asked.length = 0;
    await b.syncWith(circleId, a.listenAddr!);
    await waitFor(() => b.sessionPeers(circleId).includes(a.nodeId), 10_000, "the session again");
    const got = await b.attachments.fetch(circleId, row.msgId);
    expect(got.length).toBe(bytes.length);
    expect(Buffer.from(got).equals(Buffer.from(bytes))).toBe(true);
    // only the 32 missing chunks were asked for, none of the 16 held
    const again = asked.flat();
    expect(again.length).toBe(32);
    expect(new Set(again).size).toBe(32);
    expect(b.attachments.info(circleId, row.msgId).held).toBe(48);
    // held now: a third fetch asks nobody
    asked.length = 0;
    expect((await b.attachments.fetch(circleId, row.msgId)).length).toBe(bytes.length);
    expect(asked).toEqual([]);
  }, 60_000);

  test("refused before download: an attachment over this node's limit", async () => {
    const a = keep(await startV2Node("alice"));
    const b = keep(await startV2Node("bob"));
    const { circleId } = a.createCircle("files");
    await b.join({ code: a.inviteCode(circleId) });
    const row = await a.attachments.send(circleId, "general", {
      name: "x.bin",
      mime: "application/octet-stream",
      bytes: new Uint8Array(200_000),
    });
    await waitFor(() => b.store.hasMessage(row.msgId), 10_000, "bob holds the message");
    b.attachments.maxBytes = 100_000;
    const e = await b.attachments.fetch(circleId, row.msgId).catch((x) => x);
    expect((e as FelundError).code).toBe("E_TOO_LONG");
    expect(b.attachments.info(circleId, row.msgId).held).toBe(0);
    a.attachments.maxBytes = 1000;
    const big = await a.attachments
      .send(circleId, "general", { name: "y.bin", mime: "application/octet-stream", bytes: new Uint8Array(1001) })
      .catch((x) => x);
    expect((big as FelundError).code).toBe("E_TOO_LONG");
  }, 30_000);

  test("an attachment cannot be edited (its text is the file's label): a clear refusal, nothing signed", async () => {
    const a = keep(await startV2Node("alice"));
    const { circleId } = a.createCircle("files");
    const row = await a.attachments.send(circleId, "general", {
      name: "a.txt",
      mime: "text/plain",
      bytes: new Uint8Array(5),
    });
    const before = a.store.recentMessages(circleId, 1000).length;
    const e = (() => {
      try {
        editMessage(a.ctx, circleId, row.msgId, "not a file");
      } catch (x) {
        return x as FelundError;
      }
    })();
    expect(e?.code).toBe("E_REFUSED");
    expect(e?.message).toContain("an attachment cannot be edited");
    expect(a.store.recentMessages(circleId, 1000).length).toBe(before);
    expect(a.attachments.info(circleId, row.msgId).name).toBe("a.txt");
  }, 20_000);

  test("legacy circle: a clear refusal, nothing sent", async () => {
    const a = keep(await startV2Node("alice"));
    const { circleId } = a.createCircle("old", { legacy: true });
    const before = a.store.recentMessages(circleId, 1000).length;
    const e = await a.attachments
      .send(circleId, "general", { name: "z.txt", mime: "text/plain", bytes: new Uint8Array(5) })
      .catch((x) => x);
    expect((e as FelundError).message).toContain("attachments need a v2 circle");
    expect(a.store.recentMessages(circleId, 1000).length).toBe(before);
  }, 20_000);

  test("through the relay: the sender uploads, a member with no session fetches from the relay", async () => {
    const db = openMemoryDb();
    const relay: RelayApp = createRelayApp({ db, config: { rate: NO_RATE_LIMITS } });
    relay.listen({ hostname: "127.0.0.1", port: 0 });
    cleanup.push(() => relay.stop(true));
    const base = `http://127.0.0.1:${relay.server!.port}`;
    const a = keep(await startV2Node("alice", { relay: base }));
    const b = keep(await startV2Node("bob", { relay: base }));
    const { circleId } = a.createCircle("relayed");
    await b.join({ code: a.inviteCode(circleId) });
    const bytes = new Uint8Array(150_000).map((_, i) => (i * 7) & 255);
    const row = await a.attachments.send(circleId, "general", {
      name: "r.bin",
      mime: "application/octet-stream",
      bytes,
    });
    expect((db.$client.query("SELECT COUNT(*) AS n FROM relay_blobs").get() as { n: number }).n).toBe(3);
    await waitFor(() => b.store.hasMessage(row.msgId), 10_000, "bob holds the message");
    // no session: only the relay can serve it
    sessionsOf(b).close(circleId, "relay only");
    a.stop();
    const got = await b.attachments.fetch(circleId, row.msgId);
    expect(toHex(got)).toBe(toHex(bytes));
  }, 30_000);
});
