// Typing indicators without I/O (src/sync/typing.ts): the sender's throttle, the receiver's
// expiry, clearing on the author's message, the per-peer flood cap, and the line shown.
import { expect, test } from "bun:test";
import { TYPING_RECV_MAX, TYPING_SEND_EVERY_MS, TYPING_SHOW_MS } from "../../src/protocol/limits.ts";
import { TypingBoard, TypingThrottle, typingText } from "../../src/sync/typing.ts";

const C = "c".repeat(24);

test("the sender notifies at most once per channel per period, at once again after sending", () => {
  const t = new TypingThrottle();
  expect(t.shouldSend(C, "general", 0)).toBe(true);
  expect(t.shouldSend(C, "general", TYPING_SEND_EVERY_MS - 1)).toBe(false);
  expect(t.shouldSend(C, "random", 10)).toBe(true);
  expect(t.shouldSend(C, "general", TYPING_SEND_EVERY_MS)).toBe(true);
  t.sent(C, "general");
  expect(t.shouldSend(C, "general", TYPING_SEND_EVERY_MS + 1)).toBe(true);
});

test("the receiver shows a notice until it expires or the author's message arrives", () => {
  const b = new TypingBoard();
  b.note(C, "general", "alice", 0);
  b.note(C, "general", "bob", 100);
  expect(b.typing(C, "general", 200)).toEqual(["alice", "bob"]);
  expect(b.typing(C, "random", 200)).toEqual([]);
  b.messageFrom(C, "general", "bob");
  expect(b.typing(C, "general", 300)).toEqual(["alice"]);
  expect(b.typing(C, "general", TYPING_SHOW_MS)).toEqual([]);
});

test("a flood from one peer is capped, and others are not affected", () => {
  const b = new TypingBoard();
  let accepted = 0;
  for (let i = 0; i < 1000; i++) if (b.note(C, `ch${i % 50}`, "mallory", i)) accepted++;
  expect(accepted).toBe(TYPING_RECV_MAX);
  expect(b.note(C, "general", "alice", 1000)).toBe(true);
  expect(b.typing(C, "general", 1000)).toEqual(["alice"]);
});

test("the line", () => {
  expect(typingText([])).toBe("");
  expect(typingText(["Alice"])).toBe("Alice is typing…");
  expect(typingText(["Alice", "Bob"])).toBe("Alice and Bob are typing…");
  expect(typingText(["Alice", "Bob", "Carol"])).toBe("Several people are typing…");
  expect(typingText(["A", "B", "C", "D", "E"])).toBe("Several people are typing…");
});
