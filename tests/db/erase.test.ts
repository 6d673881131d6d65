// A deleted message is gone from the node's disk (docs/PROTOCOL.md §18): after the delete is
// applied, neither the database file nor its WAL holds the body text, the words of the search
// index, an edit's text or the signed wire, in clear or base64.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NodeStore } from "../../db/node-store.ts";
import { closeSqlite, openSqlite } from "../../db/sqlite.ts";
import { circleIdFromSecret } from "../../src/protocol/ids.ts";
import { makeCardMessage } from "../../src/protocol/v2/member-card.ts";
import { KIND_DELETE, KIND_EDIT, KIND_REPLY } from "../../src/protocol/v2/refs.ts";
import { toHex } from "../../src/protocol/bytes.ts";
import { nodeKeysFromSeed } from "../../src/protocol/v2/keys.ts";
import { CallRegistry } from "../../src/sync/control-apply.ts";
import { acceptSigned, composeText, type V2Ctx } from "../../src/sync/v2-apply.ts";
import { composeRef } from "../../src/sync/v2-compose-refs.ts";
import { NOW, seededRng } from "../sync/helpers.ts";
import { parseSearchQuery } from "../../src/sync/search.ts";

const dir = mkdtempSync(join(tmpdir(), "felund-erase-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fileBytes = (path: string) => (existsSync(path) ? readFileSync(path).toString("latin1") : "");

test("a delete leaves no trace of the body in the SQLite file or its WAL", () => {
  const path = join(dir, "node.db");
  const sql = openSqlite(path);
  const store = new NodeStore(sql);
  const rng = seededRng(7);
  const keys = nodeKeysFromSeed(rng(32));
  const secret = "5c".repeat(32);
  const cid = circleIdFromSecret(secret);
  store.addCircle({
    circleId: cid,
    secretHex: secret,
    name: "",
    owned: true,
    bootstrap: "",
    mode: "v1",
    keyEpoch: 0,
    joinedAt: NOW,
  });
  store.setCircleOwner(cid, toHex(keys.edPublic));
  let now = NOW;
  const ctx = (): V2Ctx => ({ store, calls: new CallRegistry(), self: keys, now });
  const card = makeCardMessage(keys, { circleId: cid, displayName: "alice", ts: now, epoch: 0, salt: rng(16) });
  acceptSigned(ctx(), store.getCircle(cid)!, card.wire, "local");
  const base = { circleId: cid, channelId: "general", displayName: "alice", rng };
  // many rows around it, so the erased one shares pages with rows that stay
  for (let i = 0; i < 200; i++) {
    now += 1;
    composeText(ctx(), { ...base, now, text: `filler message number ${i} about ordinary things` });
  }
  now += 1;
  const t = composeText(ctx(), { ...base, now, text: "the quokkaplatypus password is hunter2xyz" });
  if (!t.ok) throw new Error(t.reason);
  const wireB64 = store.getV2Wire(t.value.row.msgId)!;
  now += 1;
  const e = composeRef(ctx(), {
    ...base,
    now,
    kind: KIND_EDIT,
    targetId: t.value.row.msgId,
    content: "corrected: zanzibarwombat",
  });
  if (!e.ok) throw new Error(e.reason);
  now += 1;
  composeRef(ctx(), { ...base, now, kind: KIND_REPLY, targetId: t.value.row.msgId, content: "> alice: x\n\nnoted" });
  // it is on disk (and searchable) before the delete
  sql.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  expect(fileBytes(path)).toContain("quokkaplatypus");
  expect(store.searchMessages(cid, parseSearchQuery("quokkaplatypus"), { limit: 5 }).length).toBe(1);

  now += 1;
  const d = composeRef(ctx(), { ...base, now, kind: KIND_DELETE, targetId: t.value.row.msgId, content: "" });
  if (!d.ok) throw new Error(d.reason);
  expect(store.getMessage(t.value.row.msgId)).toMatchObject({ deleted: 1, text: "" });
  expect(store.searchMessages(cid, parseSearchQuery("quokkaplatypus"), { limit: 5 })).toEqual([]);

  const onDisk = fileBytes(path) + fileBytes(`${path}-wal`);
  // the body inside a base64 wire: one of three alignments is a substring of it
  const body = "the quokkaplatypus password is hunter2xyz";
  const b64 = [0, 1, 2].map((k) => btoa(body.slice(k, k + 24)));
  expect(b64.some((x) => wireB64.includes(x))).toBe(true);
  for (const part of ["quokkaplatypus", "hunter2xyz", "zanzibarwombat", wireB64, ...b64])
    expect([part, onDisk.includes(part)]).toEqual([part, false]);
  // what stays is still there (the check can see text at all)
  expect(onDisk).toContain("filler message number 199");
  closeSqlite(sql);
  const after = fileBytes(path) + fileBytes(`${path}-wal`);
  expect(after.includes("quokkaplatypus")).toBe(false);
});
