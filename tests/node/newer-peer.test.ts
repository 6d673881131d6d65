// A felund node and scripted peers of felund-core's newer release (fake-newer-peer.ts) over
// loopback TCP: the newer peer's schema-2 chat line and control events (channel create, circle
// name, call) arrive and show; an object whose `enc` says something else than its MAC'd text is
// refused and logged; our messages reach it as plain v1 objects; and its objects, re-offered by
// our node, reach a second newer peer byte for byte and an older original as plain v1 objects.
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import type { FelundNode } from "../../src/node/node.ts";
import * as svc from "../../src/node/service.ts";
import { secretFor } from "../sync/helpers.ts";
import { FakePeer, type WireObj } from "./fake-peer.ts";
import { FakeNewerPeer, newerMessage } from "./fake-newer-peer.ts";
import { startNode } from "./helpers.ts";

setDefaultTimeout(20_000);

const nodes: FelundNode[] = [];
const fakes: FakePeer[] = [];
afterEach(() => {
  while (nodes.length) nodes.pop()!.stop();
  while (fakes.length) fakes.pop()!.stop();
});
const start = async () => {
  const n = await startNode("n");
  nodes.push(n);
  return n;
};
function keep<T extends FakePeer>(f: T): T {
  fakes.push(f);
  return f;
}
const nowS = () => Math.floor(Date.now() / 1000);

/** The newer peer's history: a chat line, a `send`-made one, control events, and a lying object. */
function history(secret: string, f: FakePeer) {
  const cid = f.circleId;
  const ts = nowS() - 30;
  const ctl = (event: WireObj) => newerMessage(secret, f.nodeId, JSON.stringify(event), { channel: "__control", ts });
  const o = {
    chat: newerMessage(secret, f.nodeId, "hello from the newer release", { name: "nina", ts }),
    sent: newerMessage(secret, f.nodeId, "made by felund send", { name: "nina", ts, encrypted: false }),
    channel: ctl({
      access_mode: "public",
      actor_node_id: f.nodeId,
      channel_id: "newroom",
      circle_id: cid,
      created_by: f.nodeId,
      created_ts: ts,
      key_hash: "",
      op: "create",
      t: "CHANNEL_EVT",
    }),
    name: ctl({ circle_id: cid, name: "Newer circle", t: "CIRCLE_NAME_EVT" }),
    call: ctl({
      t: "CALL_EVT",
      op: "create",
      session_id: "call-1",
      host_node_id: f.nodeId,
      circle_id: cid,
      channel_id: "general",
      created_ts: ts,
      actor_node_id: f.nodeId,
    }),
    liar: newerMessage(secret, f.nodeId, "what older readers see", { name: "nina", ts, lie: "what newer ones see" }),
  };
  f.addMessages(Object.values(o));
  return o;
}

const id = (m: WireObj) => String(m.msg_id);

test("its schema-2 chat line and control events arrive and show; a lying enc is refused and logged; ours reach it as plain v1", async () => {
  const secret = secretFor(1501);
  const f = keep(new FakeNewerPeer({ secretHex: secret }));
  const h = history(secret, f);
  f.listen();
  const n = await start();
  const logs: string[] = [];
  n.subscribe((e) => e.t === "debug" && logs.push(e.line));
  const j = await n.join({ secret, peer: f.addr });
  expect(j.synced).toBe(true);
  const cid = j.circleId;

  // the chat lines show, with the author's name, in #general
  const inbox = svc.inbox(n.ctx, cid).map((m) => `${m.displayName}: ${m.text}`);
  expect(inbox).toEqual(expect.arrayContaining(["nina: hello from the newer release", "nina: made by felund send"]));
  // the control events took effect
  expect(svc.listChannels(n.ctx, cid).map((c) => c.channelId)).toContain("newroom");
  expect(n.store.getCircle(cid)?.name).toBe("Newer circle");
  expect(n.calls.forCircle(cid).map((c) => c.sessionId)).toEqual(["call-1"]);
  // the lying object: nothing stored, a log line
  expect(n.store.hasMessage(id(h.liar))).toBe(false);
  expect(inbox.join("\n")).not.toContain("what ");
  expect(
    logs.some((l) => l.includes("rejected 1 message(s): enc does not match the MAC'd display_name and text")),
  ).toBe(true);

  // ours: a plain nine-key v1 object, which it accepts
  const mine = n.send(cid, "general", "hello from felund");
  await n.syncWith(cid, f.addr);
  const got = f.messages.get(mine.msgId);
  expect(got && Object.keys(got)).toEqual([
    "msg_id",
    "circle_id",
    "author_node_id",
    "created_ts",
    "text",
    "channel_id",
    "display_name",
    "mac",
    "schema_version",
  ]);
  expect(got?.schema_version).toBe(1);
  expect(f.shown.get(mine.msgId)).toBe("n: hello from felund");
  expect(f.sessions.flatMap((s) => s.rejected)).toEqual([]);
});

test("re-offered: byte for byte to a second newer peer (once it is known to write enc), plain v1 to an older original", async () => {
  const secret = secretFor(1502);
  const f1 = keep(new FakeNewerPeer({ secretHex: secret }));
  const h = history(secret, f1);
  f1.listen();
  const f2 = keep(new FakeNewerPeer({ secretHex: secret }));
  f2.addMessages([newerMessage(secret, f2.nodeId, "hi from the second", { encrypted: false })]);
  f2.listen();
  const n = await start();
  // the second newer peer first: its objects (enc null) show what it runs
  const j = await n.join({ secret, peer: f2.addr });
  const cid = j.circleId;
  expect(n.store.countMessages(cid)).toBe(1);
  await n.syncWith(cid, f1.addr);
  expect(n.store.hasMessage(id(h.chat))).toBe(true);

  // it dials us and asks for what it lacks: the objects as the first one sent them
  const log = await f2.dial(n.listenAddr!);
  expect(log.outcome).toBe("done");
  expect(log.rejected).toEqual([]);
  const sendText = f2.frameTexts.filter((t) => t.includes('"t":"MSGS_SEND"')).at(-1)!;
  for (const m of [h.chat, h.channel, h.name, h.call]) expect(sendText).toContain(JSON.stringify(m));
  // the `send`-made one (enc null) goes as the plain v1 object, which it accepts too
  expect(f2.messages.get(id(h.sent))?.enc).toBeUndefined();
  expect(f2.shown.get(id(h.chat))).toBe("nina: hello from the newer release");
  expect(f2.messages.has(id(h.liar))).toBe(false);

  // an older original: the same messages as plain v1 objects, same MAC, which it accepts
  const old = keep(new FakePeer({ secretHex: secret }));
  const oldLog = await old.dial(n.listenAddr!);
  expect(oldLog.outcome).toBe("done");
  expect(oldLog.rejected).toEqual([]);
  for (const m of [h.chat, h.channel, h.name, h.call, h.sent]) {
    const got = old.messages.get(id(m));
    expect(got).toEqual({ ...m, schema_version: 1, enc: undefined });
    expect(got && "enc" in got).toBe(false);
    expect(got?.mac).toBe(m.mac);
  }
});
