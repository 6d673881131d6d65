// Pure pieces of the terminal UI: completion, wrapping with a hanging indent, cleaning text.
import { describe, expect, test } from "bun:test";
import { commandNames } from "../../ui/shared/commands.ts";
import { Completer, candidates, type CompletionSource } from "../../ui/shared/completion.ts";
import { chunk, clean, fit, wrapChunks } from "../../ui/tui/markup.ts";

const src: CompletionSource = {
  commands: commandNames(),
  names: ["alice", "alfred", "bob"],
  channels: ["general", "random", "dev"],
  circles: ["friends", "family"],
};
const text = (lines: ReturnType<typeof wrapChunks>) => lines.map((l) => l.map((c) => c.text).join(""));

describe("completion", () => {
  test("commands: longest common prefix, then the second word", () => {
    const c = new Completer();
    expect(c.complete("/he", src)?.value).toBe("/help ");
    expect(c.complete("/cha", src)).toEqual({ value: "/channel", candidates: ["/channel", "/channels"] });
    expect(c.complete("/channel c", src)?.value).toBe("/channel create ");
    expect(candidates("/circle ", src)?.matches).toEqual(["create", "join", "kick", "leave", "name", "switch"]);
    expect(c.complete("/zzz", src)).toBeNull();
  });

  test("arguments: channels after /channel switch and /who, circles after /circle switch", () => {
    const c = new Completer();
    expect(c.complete("/channel switch r", src)?.value).toBe("/channel switch random ");
    expect(c.complete("/who #d", src)?.value).toBe("/who #dev ");
    expect(c.complete("/circle switch fa", src)?.value).toBe("/circle switch family ");
  });

  test("@names: a unique prefix completes with a space", () => {
    const c = new Completer();
    expect(c.complete("hi @b", src)).toEqual({ value: "hi @bob ", candidates: ["@bob"] });
    expect(c.complete("@al", src)).toEqual({ value: "@alfred ", candidates: ["@alfred", "@alice"] });
  });

  test("@names cycle when the prefix cannot grow", () => {
    const c = new Completer();
    const first = c.complete("hi @", src)!;
    expect(first.value).toBe("hi @alfred ");
    expect(c.complete(first.value, src)!.value).toBe("hi @alice ");
    expect(c.complete("hi @alice ", src)!.value).toBe("hi @bob ");
    expect(c.complete("hi @bob ", src)!.value).toBe("hi @alfred ");
    c.reset();
    expect(c.complete("hi @bo", src)!.value).toBe("hi @bob ");
  });
});

describe("wrapChunks", () => {
  test("wraps words with a hanging indent and keeps styles", () => {
    const lines = wrapChunks(
      [chunk("[10:32] "), chunk("alice", { bold: true }), chunk(": one two three four five six")],
      20,
      8,
    );
    expect(text(lines)).toEqual(["[10:32] alice: one ", "        two three ", "        four five ", "        six"]);
    expect(lines[0]!.find((c) => c.text === "alice")!.attributes).toBeTruthy();
  });

  test("cuts words longer than a line and keeps explicit newlines indented", () => {
    expect(text(wrapChunks([chunk("x: " + "a".repeat(25))], 12, 2))).toEqual([
      "x: aaaaaaaaa",
      "  aaaaaaaaaa",
      "  aaaaaa",
    ]);
    expect(text(wrapChunks([chunk("a\nb")], 20, 4))).toEqual(["a", "    b"]);
  });

  test("wide characters count two columns", () => {
    for (const l of text(wrapChunks([chunk("漢字".repeat(10))], 9, 0)))
      expect(Bun.stringWidth(l)).toBeLessThanOrEqual(9);
  });
});

describe("clean and fit", () => {
  test("control characters and bidi overrides become U+FFFD; tabs become spaces", () => {
    expect(clean("a\x1b[2Jb\x07c\u202ed\te")).toBe("a\ufffd[2Jb\ufffdc\ufffdd    e");
    expect(clean("a\r\nb", false)).toBe("a b");
  });
  test("fit cuts to columns with an ellipsis", () => {
    expect(fit("general", 10)).toBe("general");
    expect(fit("a-very-long-name", 8)).toBe("a-very-…");
  });
});
