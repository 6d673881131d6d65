// The terminal side of the composer (issue 16), in OpenTUI's test renderer with a fake backend:
// block markdown laid out (code with its whitespace, quotes behind a bar, list bullets,
// strikethrough), :emoji: completion and replacement on send, the Ctrl+K quick switcher and
// Alt+↑/↓ between channels across circles.
import { afterEach, describe, expect, test } from "bun:test";
import { TextAttributes } from "@opentui/core";
import { FakeBackend } from "./fake-backend.ts";
import { startHarness, type Harness } from "./harness.ts";

const ALICE = "aaaa11112222333344445555";

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

/** The log column of each row (the sidebar and frame cut off). */
const logRows = (f: string, side = 26) => f.split("\n").map((l) => l.slice(side + 2).replace(/[│█▀▄ ]+$/, ""));

/** A second circle, so Alt+↑/↓ and the switcher cross circles. */
function twoCircles(): FakeBackend {
  const b = new FakeBackend({ name: "me" });
  b.app.circles.push({
    circleId: "d2d2d2d2d2d2d2d2d2d2d2d2",
    name: "work",
    owned: false,
    members: 2,
    messages: 0,
    channels: ["general", "deploys"].map((channelId) => ({
      channelId,
      accessMode: "public" as const,
      createdBy: "",
      createdTs: 0,
      members: [],
      requests: [],
      joined: true,
    })),
  });
  b.addMessage("alice", ALICE, "in general");
  return b;
}

describe("markdown blocks in the log", () => {
  test("code block (whitespace kept, code colours), quote bar, bullets and numbers, strikethrough", async () => {
    const b = new FakeBackend({ name: "me" });
    b.addMessage(
      "alice",
      ALICE,
      "see ~~this~~ that:\n```js\nif (x) {\n    go();\n}\n```\n> quoted **line**\n- first\n- second\n3. third\n<b>not html</b>",
    );
    h = await startHarness(120, 30, b);
    const f = await h.until((f) => f.includes("not html"), "the message");
    const rows = logRows(f);
    const at = rows.findIndex((r) => r.includes("alice: see this that:"));
    expect(at).toBeGreaterThanOrEqual(0);
    expect(rows.slice(at, at + 10)).toEqual([
      "[10:32] alice: see this that:",
      "          if (x) {",
      "              go();",
      "          }",
      "        │ quoted line",
      "        • first",
      "        • second",
      "        3. third",
      "        <b>not html</b>",
      "",
    ]);
    const spans = h.t.captureSpans().lines.flatMap((l) => l.spans);
    const span = (text: string) => spans.find((s) => s.text.includes(text))!;
    expect(span("this").attributes & TextAttributes.STRIKETHROUGH).toBeTruthy();
    expect(span("go();").bg.toInts()).not.toEqual(span("that:").bg.toInts());
    expect(spans.find((s) => s.text === "line")!.attributes & TextAttributes.BOLD).toBeTruthy();
  });

  test("a message that starts with a block starts it on the line under the name", async () => {
    const b = new FakeBackend({ name: "me" });
    b.addMessage("alice", ALICE, "> quoted first\nthen text");
    h = await startHarness(100, 24, b);
    const f = await h.until((f) => f.includes("then text"));
    const rows = logRows(f, 25);
    const at = rows.findIndex((r) => r.endsWith("alice:"));
    expect(rows.slice(at, at + 3)).toEqual(["[10:32] alice:", "        │ quoted first", "        then text"]);
  });
});

describe("emoji", () => {
  test("Tab completes a :shortcode to its emoji (candidates in the hint); a whole :code: becomes its emoji when sent", async () => {
    h = await startHarness(100, 24, new FakeBackend({ name: "me" }));
    await h.type("ship it :rock");
    h.t.mockInput.pressTab();
    await h.t.renderOnce();
    expect(h.app.frame.input.value).toBe("ship it 🚀 ");
    await h.type("and :tada: :nope:");
    await h.enter();
    await h.until((f) => f.includes("me: ship it 🚀 and 🎉 :nope:"), "the sent message");
    expect(h.backend.messages.at(-1)!.text).toBe("ship it 🚀 and 🎉 :nope:");
    await h.type(":thumbs");
    h.t.mockInput.pressTab();
    const f = await h.until((f) => f.includes(":thumbsdown:"), "the candidates");
    expect(f).toContain("👍 :thumbsup:");
    expect(h.app.frame.input.value).toBe("👍 ");
  });
});

describe("quick switcher and Alt+↑/↓", () => {
  test("Ctrl+K opens it; a few letters and Enter go to that channel of another circle; Esc closes", async () => {
    h = await startHarness(100, 24, twoCircles());
    await h.until((f) => f.includes("in general"));
    h.t.mockInput.pressKey("k", { ctrl: true });
    let f = await h.until((f) => f.includes("go to") && f.includes("#deploys  work"), "the switcher");
    expect(f).toContain("mygroup  (circle)");
    await h.type("wdep");
    f = await h.until((f) => f.includes("▸ #deploys  work"), "filtered");
    expect(f).not.toContain("#general  work");
    await h.enter();
    await h.until((f) => !f.includes("go to"), "closed");
    expect([h.store.state.circleId, h.store.state.channelId]).toEqual(["d2d2d2d2d2d2d2d2d2d2d2d2", "deploys"]);
    // back to the input: typing goes there
    await h.type("hi");
    expect(h.app.frame.input.value).toBe("hi");
    h.t.mockInput.pressKey("k", { ctrl: true });
    await h.until((f) => f.includes("go to"));
    h.t.mockInput.pressEscape();
    await h.until((f) => !f.includes("go to"), "closed by Esc");
    expect(h.store.state.channelId).toBe("deploys");
  });

  test("Alt+↓ / Alt+↑ step through channels in sidebar order, across circles and round the end", async () => {
    h = await startHarness(100, 24, twoCircles());
    await h.until((f) => f.includes("in general"));
    const where = () => `${h!.store.state.circleId?.slice(0, 2)}/${h!.store.state.channelId}`;
    const step = async (dir: "up" | "down", want: string) => {
      h!.t.mockInput.pressArrow(dir, { meta: true });
      const t0 = Date.now();
      while (where() !== want && Date.now() - t0 < 3000) await Bun.sleep(5);
      expect(where()).toBe(want);
    };
    await step("down", "c1/random");
    await step("down", "d2/general");
    await step("down", "d2/deploys");
    await step("down", "c1/general");
    await step("up", "d2/deploys");
    // what xterm, tmux and most terminals send for Alt+↑ (CSI 1;3 A) does the same
    h.t.renderer.stdin.emit("data", Buffer.from("\x1b[1;3A"));
    const t0 = Date.now();
    while (where() !== "d2/general" && Date.now() - t0 < 3000) await Bun.sleep(5);
    expect(where()).toBe("d2/general");
    // plain ↑ is still the input history, not a channel step
    h.t.mockInput.pressArrow("up");
    await Bun.sleep(20);
    expect(where()).toBe("d2/general");
  });
});
