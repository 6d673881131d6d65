// Schema-2 objects of newer originals in the sync engine: a MSGS_SEND merge and a relay pull
// accept them when `enc` says what the MAC'd fields say (kept as received), refuse them
// otherwise with nothing stored; a v1 exchange offers the kept object only to a peer known to
// write `enc`, and the plain v1 object to any other.
import { describe, expect, test } from "bun:test";
import { fromHex } from "../../src/protocol/bytes.ts";
import { messageKey, sealEnvelope } from "../../src/protocol/envelope.ts";
import { asciiEscape } from "../../src/protocol/json-python.ts";
import { computeMac, type ChatMessage } from "../../src/protocol/message.ts";
import { CallRegistry } from "../../src/sync/control-apply.ts";
import { mergeWireMessages } from "../../src/sync/merge.ts";
import { v1Envelopes } from "../../src/sync/relay-envelopes-v1.ts";
import type { OpenDeps } from "../../src/sync/relay-envelopes.ts";
import type { V2Ctx } from "../../src/sync/v2-events.ts";
import { loadVectors } from "../protocol/vectors.ts";
import { addCircle, insertAll, makeMessages, makeSide, NOW, runExchange, secretFor } from "./helpers.ts";

const v = loadVectors("v1-schema2");
const secret = fromHex(v.secret_hex);
const ref = v.valid[0];
const refId = JSON.parse(ref.wire_json).msg_id;

/** a message as a newer original writes it: the v1 object, schema 2, its enc */
function schema2(secretHex: string, m: ChatMessage): Record<string, unknown> {
  const env = sealEnvelope(
    messageKey(fromHex(secretHex)),
    m,
    Uint8Array.from({ length: 12 }, (_, i) => i + 1),
  );
  return {
    msg_id: m.msgId,
    circle_id: m.circleId,
    author_node_id: m.authorNodeId,
    created_ts: m.createdTs,
    text: m.text,
    channel_id: m.channelId,
    display_name: m.displayName,
    mac: m.mac,
    schema_version: 2,
    enc: env.enc,
  };
}

describe("MSGS_SEND merge", () => {
  test("the reference schema-2 object is stored, with its text, and kept byte for byte", () => {
    const a = makeSide("a");
    const cid = addCircle(a.store, v.secret_hex);
    const r = mergeWireMessages(a.store, a.deps.calls, cid, secret, [JSON.parse(ref.wire_json)], NOW);
    expect(r.rejected).toEqual([]);
    expect(r.stored.map((m) => [m.text, m.displayName, m.mac])).toEqual([
      ["hello, world", "alice", JSON.parse(ref.wire_json).mac],
    ]);
    expect(a.store.getV1Wire(refId)).toBe(ref.wire_json);
  });

  test("non-ASCII text: kept with Python's escapes, the bytes a newer Python node writes", () => {
    const hex = secretFor(4243);
    const a = makeSide("a");
    const cid = addCircle(a.store, hex);
    const [m] = makeMessages(hex, "c0ffee".repeat(4), 1, { tag: "é" });
    const text = "grüße 👋\u007f";
    const msg = { ...m!, text, mac: computeMac(fromHex(hex), { ...m!, text }) };
    const python = asciiEscape(JSON.stringify(schema2(hex, msg)));
    expect(python).toContain("gr\\u00fc\\u00dfe \\ud83d\\udc4b\\u007f");
    const r = mergeWireMessages(a.store, a.deps.calls, cid, fromHex(hex), [JSON.parse(python)], NOW);
    expect(r.stored.map((x) => x.text)).toEqual([text]);
    expect(a.store.getV1Wire(msg.msgId)).toBe(python);
  });

  test("the newer release's plain object (enc null) is stored; nothing is kept beside it", () => {
    const a = makeSide("a");
    const cid = addCircle(a.store, v.secret_hex);
    const r = mergeWireMessages(a.store, a.deps.calls, cid, secret, [JSON.parse(v.valid[1].wire_json)], NOW);
    expect(r.stored.length).toBe(1);
    expect(a.store.getV1Wire(refId)).toBeUndefined();
  });

  test("every invalid vector is refused, for its reason, and nothing is stored", () => {
    const a = makeSide("a");
    const cid = addCircle(a.store, v.secret_hex);
    const r = mergeWireMessages(
      a.store,
      a.deps.calls,
      cid,
      secret,
      v.invalid.map((c: { object: unknown }) => c.object),
      NOW,
    );
    expect(r.stored).toEqual([]);
    expect(r.rejected.map((x) => x.reason)).toEqual(v.invalid.map((c: { reason: string }) => c.reason));
    expect(a.store.countMessages(cid)).toBe(0);
  });
});

describe("relay pull (legacy circle)", () => {
  const deps = (a: ReturnType<typeof makeSide>, log: string[]): OpenDeps => ({
    ctx: { store: a.store, calls: new CallRegistry(), now: NOW } as unknown as V2Ctx,
    origin: "relay:test",
    v1: v1Envelopes,
    log: (l) => log.push(l),
  });

  test("a whole schema-2 object is stored and kept; a mismatching one is dropped with a log line", () => {
    const a = makeSide("a");
    const cid = addCircle(a.store, v.secret_hex);
    const log: string[] = [];
    const bad = v.invalid.find((c: { stage: string }) => c.stage === "enc").object;
    expect(v1Envelopes.open(deps(a, log), secret, cid, bad)).toBeNull();
    expect(a.store.countMessages(cid)).toBe(0);
    expect(log).toEqual([`relay: dropped ${refId.slice(0, 12)}: enc does not match the MAC'd display_name and text`]);
    const row = v1Envelopes.open(deps(a, log), secret, cid, JSON.parse(ref.wire_json));
    expect(row?.text).toBe("hello, world");
    expect(a.store.getV1Wire(refId)).toBe(ref.wire_json);
  });

  test("a newer release's plain object (enc null) from a relay is checked by its MAC and stored", () => {
    const a = makeSide("a");
    const cid = addCircle(a.store, v.secret_hex);
    const row = v1Envelopes.open(deps(a, []), secret, cid, JSON.parse(v.valid[1].wire_json));
    expect(row?.text).toBe("hello, world");
  });
});

describe("what a v1 exchange offers", () => {
  function setup() {
    const hex = secretFor(4242);
    const a = makeSide("a", { encrypt: false });
    const b = makeSide("b");
    const cid = addCircle(a.store, hex);
    addCircle(b.store, hex);
    const [m] = makeMessages(hex, "c0ffee".repeat(4), 1, { ts: () => NOW - 60 });
    const obj = schema2(hex, m!);
    mergeWireMessages(a.store, a.deps.calls, cid, fromHex(hex), [obj], NOW);
    return { a, b, cid, obj, json: JSON.stringify(obj) };
  }
  const sentBy = (run: ReturnType<typeof runExchange>, from: "client" | "server") =>
    run.lines.filter((l) => l.from === from && l.line.includes('"t":"MSGS_SEND"')).map((l) => l.line);

  test("to a peer not known to write enc: the plain v1 object", () => {
    const { a, b, cid, obj, json } = setup();
    const run = runExchange(a, b, cid);
    const [line] = sentBy(run, "client");
    expect(line).not.toContain(json);
    expect(JSON.parse(line!).messages).toEqual([{ ...obj, schema_version: 1, enc: undefined }].map(strip));
    expect(b.store.getMessage(String(obj.msg_id))?.text).toBe(String(obj.text));
  });

  test("to a peer that wrote enc objects: the object as received, byte for byte", () => {
    const { a, b, cid, obj, json } = setup();
    a.knowledge.noteWriter(cid, b.nodeId, true);
    const run = runExchange(a, b, cid);
    const [line] = sentBy(run, "client");
    expect(line).toContain(`"messages":[${json}]`);
    // and our own engine accepts it too (and keeps it)
    expect(b.store.getV1Wire(String(obj.msg_id))).toBe(json);
  });

  test("a peer whose MSGS_SEND has nine-key objects loses the mark (an older release under that node id)", () => {
    const { a, b, cid } = setup();
    a.knowledge.noteWriter(cid, b.nodeId, true);
    insertAll(b.store, makeMessages(secretFor(4242), b.nodeId, 1, { ts: () => NOW - 30 }));
    runExchange(a, b, cid);
    expect(a.knowledge.isNewer(cid, b.nodeId)).toBe(false);
  });
});

const strip = (o: Record<string, unknown>) => JSON.parse(JSON.stringify(o));

test("NodeStore keeps the first object set for a row, and none for other rows", () => {
  const a = makeSide("a");
  const hex = secretFor(4244);
  const cid = addCircle(a.store, hex);
  const [m1, m2] = makeMessages(hex, "c0ffee".repeat(4), 2);
  mergeWireMessages(a.store, a.deps.calls, cid, fromHex(hex), [schema2(hex, m1!)], NOW);
  const kept = a.store.getV1Wire(m1!.msgId);
  expect(kept).toBe(JSON.stringify(schema2(hex, m1!)));
  a.store.setV1Wire(m1!.msgId, "{}");
  expect(a.store.getV1Wire(m1!.msgId)).toBe(kept);
  expect(a.store.getV1Wire(m2!.msgId)).toBeUndefined();
  expect(a.store.getV1Wire("ff".repeat(16))).toBeUndefined();
  // it goes with its row
  a.store.removeCircle(cid);
  expect(a.store.getV1Wire(m1!.msgId)).toBeUndefined();
});
