// The one sanitizer for peer text in terminals (TUI and CLI), the labels that tell members
// with the same display name apart, mixed-script channel names, and times no Date can hold.
import { describe, expect, test } from "bun:test";
import { channelLabel, inertText, memberLabels, NEWLINE_MARK } from "../../ui/shared/safe-text.ts";
import { dayLabel, formatDateTime, formatTime } from "../../ui/shared/format.ts";
import { isMixedScript, newChannelIdProblem } from "../../src/protocol/channel-id.ts";

describe("inertText", () => {
  test("escapes, C1, DEL and bidi controls become U+FFFD; newlines stay or become the marker", () => {
    expect(inertText("\x1b]52;c;eA==\x07x")).toBe("\ufffd]52;c;eA==\ufffdx");
    expect(inertText("a\x9b2Kb\x7fc\u202ed\u2067e\u200ff")).toBe("a\ufffd2Kb\ufffdc\ufffdd\ufffde\ufffdf");
    expect(inertText("a\r\nb\rc\u2028d")).toBe("a\nb\nc\nd");
    expect(inertText("a\r\x1b[2Kb\nc", NEWLINE_MARK)).toBe("a⏎\ufffd[2Kb⏎c");
    expect(inertText("tab\there")).toBe("tab    here");
    expect(inertText("ünïcödé 😀 日本")).toBe("ünïcödé 😀 日本");
  });
});

describe("memberLabels", () => {
  test("a shared name (also by case or compatibility form) gets an id suffix on every holder; unique names stay bare", () => {
    const l = memberLabels([
      ["3f2a0000", "alice"],
      ["9b1c0000", "Alice"],
      ["77770000", "bob"],
      ["88880000", "ａｌｉｃｅ"],
    ]);
    expect(l.get("3f2a0000")).toBe("alice#3f2a");
    expect(l.get("9b1c0000")).toBe("Alice#9b1c");
    expect(l.get("88880000")).toBe("ａｌｉｃｅ#8888");
    expect(l.get("77770000")).toBe("bob");
  });
  test("the same member listed twice is no collision", () => {
    expect(
      memberLabels([
        ["3f2a0000", "alice"],
        ["3f2a0000", "alice"],
      ]).get("3f2a0000"),
    ).toBe("alice");
  });
});

describe("mixed-script channel names", () => {
  test("Latin with Cyrillic or Greek look-alikes is mixed; one script, or Latin with CJK, is not", () => {
    expect(isMixedScript("pаypal")).toBe(true); // Cyrillic а
    expect(isMixedScript("gοogle")).toBe(true); // Greek ο
    expect(isMixedScript("новости")).toBe(false);
    expect(isMixedScript("news-2")).toBe(false);
    expect(isMixedScript("日本-news")).toBe(false);
  });
  test("refused at creation with a clear reason; marked, not hidden, in listings", () => {
    expect(newChannelIdProblem("pаypal")).toMatch(/may not mix Latin, Cyrillic and Greek/);
    expect(newChannelIdProblem("paypal")).toBeNull();
    expect(newChannelIdProblem("__x")).toMatch(/1-32 letters/);
    expect(channelLabel("pаypal")).toBe("pаypal (mixed scripts)");
    expect(channelLabel("paypal")).toBe("paypal");
  });
});

describe("times from peers", () => {
  test("a timestamp past what a Date holds prints as a number, not NaN", () => {
    for (const ts of [9e15, -9e15, Number.MAX_SAFE_INTEGER]) {
      expect(formatDateTime(ts)).toBe(`(time ${ts})`);
      expect(formatTime(ts)).toBe("--:--");
      expect(dayLabel(ts)).toBe("Unknown date");
    }
    expect(formatDateTime(0)).toMatch(/^19(69|70)-\d\d-\d\d \d\d:\d\d:\d\d$/);
  });
});
