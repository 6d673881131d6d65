// Which actions a message offers in the web client's menu (ui/shared/message-actions.ts), by the
// rules the peer enforces (docs/PROTOCOL.md §18, §19): edit mine, delete mine or any as the circle
// owner, react and pin only in v2 circles, pin as the circle owner or a key/invite channel's owner;
// nothing on a deleted message or a timeline line. ↑ picks my last editable message; the runLine
// hook sends a line another way (the reply bar) with the same shortcodes and errors.
import { expect, test } from "bun:test";
import { ChatStore } from "../../ui/shared/chat-store.ts";
import { runLine } from "../../ui/shared/line.ts";
import { lastEditable, messageActions, quoteLine } from "../../ui/shared/message-actions.ts";
import { refAction } from "../../ui/shared/ref-commands.ts";
import type { MessageView } from "../../ui/shared/types.ts";
import { FakeBackend, msg } from "./fake-backend.ts";

const ME = "a1a1a1a1a1a1a1a1a1a1a1a1";
const on = (a: ReturnType<typeof messageActions>) =>
  Object.entries(a)
    .filter(([, v]) => v)
    .map(([k]) => k);

async function setup(opts: { owned?: boolean; legacy?: boolean; history?: (cid: string) => MessageView[] } = {}) {
  const b = new FakeBackend();
  const c = b.addCircle("c".repeat(24), "friends", ["general", "keyed"], opts.owned ?? false);
  if (opts.legacy) c.legacy = true;
  c.channels[1]!.accessMode = "key";
  c.channels[1]!.createdBy = ME;
  if (opts.history) b.messages.set(`${c.circleId}/general`, opts.history(c.circleId));
  const store = new ChatStore(b);
  await store.init();
  return { b, store, cid: c.circleId };
}

test("mine, others', as the circle owner, in a legacy circle, deleted and timeline rows", async () => {
  const { store, cid } = await setup();
  const mine = msg({ circleId: cid, text: "mine", own: true, authorNodeId: ME, author: "alice" });
  const theirs = msg({ circleId: cid, text: "theirs" });
  expect(on(messageActions(store, mine))).toEqual(["reply", "react", "edit", "delete", "copy"]);
  expect(on(messageActions(store, theirs))).toEqual(["reply", "react", "copy"]);
  // the owner of a key channel pins there; a locked (empty) text has nothing to copy
  expect(on(messageActions(store, { ...theirs, channelId: "keyed", text: "" }))).toEqual(["reply", "react", "pin"]);
  expect(on(messageActions(store, { ...mine, deleted: true, text: "" }))).toEqual([]);
  expect(on(messageActions(store, { ...theirs, event: { kind: "join" } as never }))).toEqual([]);
  // my attachment: its text is the file's label, so no Edit (the peer refuses it too)
  expect(on(messageActions(store, { ...mine, text: "📎 photo.png (12 KB)" }))).toEqual([
    "reply",
    "react",
    "delete",
    "copy",
  ]);

  const owner = await setup({ owned: true });
  const t2 = msg({ circleId: owner.cid, text: "theirs" });
  expect(on(messageActions(owner.store, t2))).toEqual(["reply", "react", "delete", "pin", "copy"]);
  // a direct message takes no refs (composeRef refuses its channel id): copy only
  expect(on(messageActions(owner.store, { ...t2, channelId: `__dm_${"d".repeat(24)}`, own: true }))).toEqual(["copy"]);

  const legacy = await setup({ owned: true, legacy: true });
  const t3 = msg({ circleId: legacy.cid, text: "theirs" });
  expect(on(messageActions(legacy.store, t3))).toEqual(["reply", "delete", "copy"]);
});

test("↑ picks my last message that can be edited; the quote line is cut at 80 characters", async () => {
  const cid = "c".repeat(24);
  const first = msg({ circleId: cid, text: "first", own: true, authorNodeId: ME, author: "alice" });
  const gone = msg({ circleId: cid, text: "", own: true, authorNodeId: ME, author: "alice", deleted: true });
  const other = msg({ circleId: cid, text: "from bob" });
  const { store } = await setup({ history: () => [first, gone, other] });
  expect(store.currentMessages.length).toBe(3);
  expect(lastEditable(store)?.msgId).toBe(first.msgId);
  expect(quoteLine(store, { ...other, text: `${"x".repeat(100)}\nsecond` })).toBe(`bob: ${"x".repeat(79)}…`);
});

test("runLine sends through a given hook (the reply bar), with shortcodes replaced and errors kept", async () => {
  const { store } = await setup();
  const sent: string[] = [];
  const cmd = async () => {};
  expect(await runLine(store, "ok :tada:", cmd, async (t) => void sent.push(t))).toBeNull();
  expect(sent).toEqual(["ok 🎉"]);
  const why = await runLine(store, "no", cmd, async () => {
    throw new Error("refused");
  });
  expect(why).toBe("error: refused");
});

test("a ref on a direct message is refused with a clear reason, before the backend", async () => {
  const { store, cid } = await setup();
  const dm = msg({ circleId: cid, text: "psst", channelId: `__dm_${"d".repeat(24)}` });
  await expect(refAction(store, dm, { op: "reply", text: "hi" })).rejects.toThrow(
    "replies, reactions, edits and deletes are for channel messages",
  );
});
