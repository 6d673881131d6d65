// :shortcode: emoji (issue 16): the built-in table, completion in both UIs (ui/shared/completion.ts,
// the terminal's Tab and the web input bar's suggestions), and replacement when a line is sent.
import { describe, expect, test } from "bun:test";
import { ChatStore } from "../../ui/shared/chat-store.ts";
import { submitLine, type ModalName } from "../../ui/shared/commands.ts";
import { Completer, candidates, type CompletionSource } from "../../ui/shared/completion.ts";
import { EMOJI, emojiCompletions, emojiFor, emojiMatches, replaceShortcodes } from "../../ui/shared/emoji.ts";
import { FakeBackend } from "./fake-backend.ts";

const src: CompletionSource = { commands: ["/help"], names: ["bob"], channels: ["general"], circles: ["friends"] };
const bytes = (s: string) => new TextEncoder().encode(s).length;

describe("the table", () => {
  test("150 to 300 common emoji, codes unique and lower-case, none longer in UTF-8 than its :code:", () => {
    const emoji = new Set(EMOJI.map(([, e]) => e));
    expect(emoji.size).toBeGreaterThanOrEqual(150);
    expect(emoji.size).toBeLessThanOrEqual(300);
    expect(new Set(EMOJI.map(([c]) => c)).size).toBe(EMOJI.length);
    for (const [code, e] of EMOJI) {
      expect(code).toMatch(/^[a-z0-9_+-]+$/);
      expect(bytes(e)).toBeLessThanOrEqual(code.length + 2);
    }
    expect(emojiFor("+1")).toBe("👍");
    expect(emojiFor("thumbsup")).toBe("👍");
    expect(emojiFor("tada")).toBe("🎉");
    expect(emojiFor("nope")).toBeUndefined();
  });
  test("matches: codes that start with the text first, then those that contain it, one code per emoji", () => {
    expect(emojiMatches("thumbs").map(([c]) => c)).toEqual(["thumbsup", "thumbsdown"]);
    const heart = emojiMatches("heart", 50).map(([c]) => c);
    expect(heart[0]).toBe("heart");
    expect(heart).toContain("heart_eyes");
    expect(heart).toContain("yellow_heart"); // contains
    expect(heart.indexOf("heart_eyes")).toBeLessThan(heart.indexOf("yellow_heart"));
    expect(emojiMatches("fist").length).toBe(1); // fist and facepunch are one emoji
  });
});

describe("completion", () => {
  test("a :shortcode being typed (two letters at least, at the start or after a space)", () => {
    expect(emojiCompletions("nice :thu")?.matches.map(([c]) => c)).toEqual(["thumbsup", "thumbsdown"]);
    expect(emojiCompletions("nice :t")).toBeNull();
    expect(emojiCompletions("at 10:30")).toBeNull();
    expect(emojiCompletions("done :smile:")).toBeNull();
  });
  test("Tab puts the emoji itself in place of the code; the candidates show emoji and code; Tab again cycles", () => {
    expect(candidates("ok :thumbs", src)).toEqual({
      start: 3,
      matches: ["👍", "👎"],
      labels: ["👍 :thumbsup:", "👎 :thumbsdown:"],
    });
    const c = new Completer();
    expect(c.complete("ok :thumbs", src)).toEqual({
      value: "ok 👍 ",
      candidates: ["👍 :thumbsup:", "👎 :thumbsdown:"],
    });
    expect(c.complete("ok 👍 ", src)).toEqual({ value: "ok 👎 ", candidates: ["👍 :thumbsup:", "👎 :thumbsdown:"] });
    expect(new Completer().complete(":tada", src)).toEqual({ value: "🎉 ", candidates: ["🎉 :tada:"] });
    // @names and commands as before
    expect(new Completer().complete("hi @b", src)?.value).toBe("hi @bob ");
    expect(new Completer().complete(":zzzzzz", src)).toBeNull();
  });
});

describe("replacement when sent", () => {
  test("whole known codes become emoji; unknown codes, codes in `code` and ``` blocks, and 1:100: stay", () => {
    expect(replaceShortcodes("ship it :rocket: :tada::+1: :nope:")).toBe("ship it 🚀 🎉👍 :nope:");
    expect(replaceShortcodes("`:smile:` and\n```\n:smile:\n```\n:smile:")).toBe("`:smile:` and\n```\n:smile:\n```\n😄");
    expect(replaceShortcodes("score 1:100: at 10:30:00")).toBe("score 1:100: at 10:30:00");
    expect(replaceShortcodes(":100:")).toBe("💯");
  });
  test("a line sent from either UI goes out with its emoji (submitLine, the shared path)", async () => {
    const backend = new FakeBackend();
    backend.addCircle("c".repeat(24), "friends", ["general"]);
    const store = new ChatStore(backend);
    await store.init();
    const ctx = { store, ui: { frontend: "tui" as const, openModal: (_n: ModalName) => {} } };
    expect(await submitLine(ctx, "great :tada: see `:tada:`")).toBeNull();
    expect(backend.calls.filter((c) => c.startsWith("send"))).toEqual(["send general great 🎉 see `:tada:`"]);
  });
});
