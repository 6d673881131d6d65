// The one limit on a message for every front end (ui/shared/text-limit.ts): the wire's
// MAX_TEXT_BYTES counted in UTF-8 bytes, a counter from 90% of it, and the refusal before
// sending, in the chat store too. And a locked channel refuses a message before the backend.
import { describe, expect, test } from "bun:test";
import { MAX_TEXT_BYTES } from "../../src/protocol/limits.ts";
import { ChatStore } from "../../ui/shared/chat-store.ts";
import { lockedError, lockedText } from "../../ui/shared/locked.ts";
import { messageText, runLine } from "../../ui/shared/line.ts";
import { textBudget, tooLong, WARN_AT } from "../../ui/shared/text-limit.ts";
import type { ChannelView } from "../../ui/shared/types.ts";
import { FakeBackend } from "./fake-backend.ts";

describe("textBudget", () => {
  test("is the wire's limit, in UTF-8 bytes", () => {
    expect(MAX_TEXT_BYTES).toBe(8192);
    expect(textBudget("abc").bytes).toBe(3);
    expect(textBudget("é").bytes).toBe(2);
    expect(textBudget("€").bytes).toBe(3);
    expect(textBudget("😀").bytes).toBe(4);
    expect(textBudget("x".repeat(9097))).toEqual({
      bytes: 9097,
      max: 8192,
      near: true,
      over: true,
      label: "9,097 / 8,192 bytes",
    });
  });

  test("near from 90%, over only past the limit", () => {
    const at = Math.ceil(MAX_TEXT_BYTES * WARN_AT);
    expect(textBudget("x".repeat(at - 1)).near).toBe(false);
    expect(textBudget("x".repeat(at)).near).toBe(true);
    expect(textBudget("x".repeat(MAX_TEXT_BYTES)).over).toBe(false);
    expect(textBudget("x".repeat(MAX_TEXT_BYTES + 1)).over).toBe(true);
    expect(textBudget("é".repeat(4097)).over).toBe(true); // 4,097 characters, 8,194 bytes
    expect(textBudget("x".repeat(7900)).label).toBe("7,900 / 8,192 bytes");
  });

  test("tooLong: null when it fits, an E_TOO_LONG error naming the sizes when not", () => {
    expect(tooLong("x".repeat(MAX_TEXT_BYTES))).toBeNull();
    const e = tooLong("x".repeat(MAX_TEXT_BYTES + 1))!;
    expect(e.code).toBe("E_TOO_LONG");
    expect(e.message).toContain("8,193 / 8,192 bytes");
  });

  test("messageText: what a line sends (trailing space off, // for a leading slash), null for a command", () => {
    expect(messageText("hi  \n")).toBe("hi");
    expect(messageText("//etc")).toBe("/etc");
    expect(messageText("/help")).toBeNull();
  });
});

describe("before the backend", () => {
  test("a message over the limit is refused by the chat store; runLine returns why, and nothing is sent", async () => {
    const b = new FakeBackend();
    b.addCircle("c".repeat(24), "room");
    const s = new ChatStore(b);
    await s.init();
    const sends = () => b.calls.filter((c) => c.startsWith("send "));
    const why = await runLine(s, "x".repeat(MAX_TEXT_BYTES + 1), async () => {});
    expect(why).toContain("message too long");
    expect(sends()).toEqual([]);
    expect(await runLine(s, "fine", async () => {})).toBeNull();
    expect(sends()).toEqual(["send general fine"]);
  });

  test("a locked channel (key or invite, not joined) refuses a message and says how to join", async () => {
    const ch: ChannelView = {
      channelId: "secret",
      accessMode: "key",
      createdBy: "x",
      createdTs: 0,
      members: [],
      requests: [],
      joined: false,
    };
    expect(lockedError(ch)?.message).toBe("#secret is locked: join with its key: /channel join secret <key>");
    expect(lockedError({ ...ch, accessMode: "invite" })?.message).toContain("ask to join: /channel join secret");
    expect(lockedError({ ...ch, joined: true })).toBeNull();
    expect(lockedText(ch, 1)).toBe("#secret is locked: 1 message you can read after joining.");
    expect(lockedText(ch, 50, true)).toBe("#secret is locked: 50+ messages you can read after joining.");
  });
});
