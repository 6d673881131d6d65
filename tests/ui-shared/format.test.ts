// Inline formatting tokens: markdown subset, links, mentions, and hostile input that must
// stay plain text (the web client renders tokens as DOM text, never as HTML).
import { describe, expect, test } from "bun:test";
import {
  AUTHOR_COLORS,
  authorColorIndex,
  dayKey,
  dayLabel,
  formatTime,
  mentions,
  parseInline,
} from "../../ui/shared/format.ts";
import { mentionCompletions } from "../../ui/shared/completion.ts";
import { plainInline } from "../../ui/shared/message-actions.ts";

const kinds = (s: string, me: string[] = []) => parseInline(s, me).map((t) => `${t.t}:${t.text}`);

describe("parseInline", () => {
  test("bold, italic, code, links and mentions", () => {
    expect(kinds("a **b** *c* _d_ `e` https://x.org/p?q=1. [f](https://y.org) @bob")).toEqual([
      "text:a ",
      "bold:b",
      "text: ",
      "italic:c",
      "text: ",
      "italic:d",
      "text: ",
      "code:e",
      "text: ",
      "link:https://x.org/p?q=1",
      "text:. ",
      "link:f",
      "text: ",
      "mention:@bob",
    ]);
  });
  test("self mentions are marked, case-insensitively; e-mail addresses are no mentions", () => {
    const t = parseInline("@Alice and @bob, mail alice@example.org", ["alice"]);
    expect(t.filter((x) => x.t === "mention").map((x) => [x.text, x.t === "mention" && x.self])).toEqual([
      ["@Alice", true],
      ["@bob", false],
    ]);
    expect(mentions("ping @ALICE", ["alice"])).toBe(true);
    expect(mentions("alice@example.org", ["alice"])).toBe(false);
  });
  test("HTML and script stay text", () => {
    for (const evil of [
      "<img src=x onerror=alert(1)>",
      "<script>alert(1)</script>",
      '"><svg/onload=alert(1)>',
      "**<b>bold</b>**",
      "`<iframe src=javascript:alert(1)>`",
    ]) {
      const toks = parseInline(evil);
      expect(
        toks
          .map((t) => t.text)
          .join("")
          .replace(/\*\*|`/g, ""),
      ).toBe(evil.replace(/\*\*|`/g, ""));
      expect(toks.every((t) => t.t !== "link")).toBe(true);
    }
  });
  test("only http(s) links become links", () => {
    for (const s of [
      "javascript:alert(1)",
      "[x](javascript:alert(1))",
      "data:text/html,<b>x</b>",
      "[y](data:text/html,x)",
      "vbscript:msgbox",
    ])
      expect(parseInline(s).some((t) => t.t === "link")).toBe(false);
    const link = parseInline("see [docs](https://example.org/a_b)")[1]!;
    expect(link).toEqual({ t: "link", text: "docs", href: "https://example.org/a_b" });
    expect(parseInline(`https://example.org/"onmouseover="x`)[0]).toEqual({
      t: "link",
      text: "https://example.org/",
      href: "https://example.org/",
    });
  });
  test("unclosed markers are plain text", () => {
    expect(kinds("2 * 3 and **half and `tick")).toEqual(["text:2 * 3 and **half and `tick"]);
    expect(kinds("snake_case_name")).toEqual(["text:snake_case_name"]);
  });
});

describe("helpers", () => {
  test("mention completion after @ at the end of the input", () => {
    expect(mentionCompletions("hi @bo", ["bob", "Bonnie", "carol", "bob"])).toEqual({
      prefix: "bo",
      matches: ["Bonnie", "bob"],
    });
    expect(mentionCompletions("hi bo", ["bob"])).toBeNull();
    expect(mentionCompletions("@bob", ["bob"])!.matches).toEqual([]);
  });
  test("author colours are stable and in range", () => {
    const i = authorColorIndex("a1b2c3d4e5f60718293a4b5c");
    expect(i).toBe(authorColorIndex("a1b2c3d4e5f60718293a4b5c"));
    expect(AUTHOR_COLORS[i]).toMatch(/^#[0-9a-f]{6}$/);
  });
  test("times and day labels", () => {
    const now = new Date(2026, 5, 15, 14, 5).getTime() / 1000;
    expect(formatTime(now)).toBe("14:05");
    expect(formatTime(now, "12h")).toBe("2:05 PM");
    expect(dayLabel(now, now)).toBe("Today");
    expect(dayLabel(now - 86400, now)).toBe("Yesterday");
    expect(dayKey(now)).toBe("2026-06-15");
  });
});

test("plainInline: a line as the reader sees it, without markdown markers (a reply's quote)", () => {
  expect(plainInline("the **plan** is `ready`, ~~maybe~~ *now* @bob https://x.example/a")).toBe(
    "the plan is ready, maybe now @bob https://x.example/a",
  );
  expect(plainInline("<b>not html</b> 2 * 3 * 4")).toBe("<b>not html</b> 2 * 3 * 4");
});
