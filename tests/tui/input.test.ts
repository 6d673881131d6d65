// The terminal UI never loses typed text (issue 14, item 2) and shows a locked channel as
// such (item 6): a paste is kept whole, a message over the wire's limit is refused at Enter
// with a counter beside the input, a send that fails keeps its text with the reason beside
// it, drafts are kept per channel by the backend, and a key channel this user has not joined
// shows one line about its messages and how to join, not its authors over empty bodies.
import { afterEach, describe, expect, test } from "bun:test";
import { FelundError } from "../../src/protocol/errors.ts";
import type { ChannelView } from "../../ui/shared/types.ts";
import { FakeBackend, T0 } from "./fake-backend.ts";
import { startHarness, type Harness } from "./harness.ts";

const ALICE = "aaaa11112222333344445555";
const CIRCLE = "c1c1c1c1c1c1c1c1c1c1c1c1";

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const value = () => h!.app.frame.input.value;
/** the input row ("│ > …") and the bottom rule below it, with the key hints */
const inputRow = () => h!.lines().find((l) => l.startsWith("│ > ")) ?? "";
const hintRow = () => h!.lines().find((l) => l.startsWith("└")) ?? "";

/** A backend that keeps drafts as the node does (GET/PUT /api/drafts). */
function withDrafts(b: FakeBackend, drafts = new Map<string, string>()) {
  const saved: string[] = [];
  Object.assign(b, {
    getDraft: async (circleId: string, channelId: string) => drafts.get(`${circleId}/${channelId}`) ?? "",
    saveDraft: async (circleId: string, channelId: string, text: string) => {
      saved.push(`${channelId}=${text}`);
      drafts.set(`${circleId}/${channelId}`, text);
    },
  });
  return { drafts, saved };
}

describe("typed text", () => {
  test("a 9,097-character paste is kept whole, counted over the limit and refused at Enter, not cut and sent", async () => {
    const b = new FakeBackend({ name: "me" });
    h = await startHarness(100, 24, b);
    await h.t.mockInput.pasteBracketedText("x".repeat(9097));
    await h.until((f) => f.includes("9,097 / 8,192 bytes"), "counter over the limit");
    expect(value().length).toBe(9097);
    await h.enter();
    await h.until(() => inputRow().includes("message too long"), "refused beside the input");
    expect(b.messages.length).toBe(0);
    expect(value().length).toBe(9097);
  });

  test("the counter shows from 90% of the limit, not before", async () => {
    h = await startHarness(100, 24, new FakeBackend({ name: "me" }));
    await h.t.mockInput.pasteBracketedText("y".repeat(7000));
    await h.until((f) => f.includes("y"), "pasted");
    expect(h.frame()).not.toContain("/ 8,192 bytes");
    await h.t.mockInput.pasteBracketedText("é".repeat(300)); // two bytes each: 7,600 bytes
    await h.until(() => inputRow().includes("7,600 / 8,192 bytes"), "counter near the limit");
  });

  test("a send that fails keeps the text, with the reason beside the input; the retry sends and clears it", async () => {
    const b = new FakeBackend({ name: "me" });
    const send = b.send.bind(b);
    b.send = async () => {
      throw new FelundError("E_UNREACHABLE", "cannot reach the local node");
    };
    h = await startHarness(100, 24, b);
    await h.type("hello there");
    await h.enter();
    await h.until(() => inputRow().includes("cannot reach the local node"), "error beside the input");
    expect(value()).toBe("hello there");
    b.send = send;
    await h.enter();
    await h.until((f) => f.includes("me: hello there"), "sent");
    expect(value()).toBe("");
    expect(inputRow()).not.toContain("cannot reach");
  });

  test("Enter while a line is on its way does not send it twice", async () => {
    const b = new FakeBackend({ name: "me" });
    const send = b.send.bind(b);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let calls = 0;
    b.send = async (c, ch, text) => {
      calls++;
      await gate;
      return send(c, ch, text);
    };
    h = await startHarness(100, 24, b);
    await h.type("only once");
    await h.enter();
    await h.enter();
    await h.enter();
    release();
    await h.until((f) => f.includes("me: only once"), "sent");
    expect(calls).toBe(1);
    expect(b.messages.filter((m) => m.text === "only once").length).toBe(1);
  });
});

describe("drafts", () => {
  test("switching channels keeps each one's draft; a sent message clears its draft", async () => {
    const b = new FakeBackend({ name: "me" });
    const { drafts } = withDrafts(b);
    h = await startHarness(100, 24, b);
    await h.type("half typed");
    await h.store.select(CIRCLE, "random");
    await h.until((f) => f.includes("mygroup #random"), "random");
    expect(value()).toBe("");
    expect(drafts.get(`${CIRCLE}/general`)).toBe("half typed");
    await h.type("for random");
    await h.store.select(CIRCLE, "general");
    await h.until(() => value() === "half typed", "general's draft back");
    expect(drafts.get(`${CIRCLE}/random`)).toBe("for random");
    await h.enter();
    await h.until((f) => f.includes("me: half typed"), "sent");
    expect(drafts.get(`${CIRCLE}/general`)).toBe("");
  });

  test("a draft the backend kept is in the bar at start (a restart)", async () => {
    const b = new FakeBackend({ name: "me" });
    withDrafts(b, new Map([[`${CIRCLE}/general`, "typed before the restart"]]));
    h = await startHarness(100, 24, b);
    await h.until(() => value() === "typed before the restart", "draft restored");
  });
});

describe("a locked channel", () => {
  const locked = (b: FakeBackend) => {
    const ch: ChannelView = {
      channelId: "secret",
      accessMode: "key",
      createdBy: ALICE,
      createdTs: T0,
      members: [ALICE],
      requests: [],
      joined: false,
    };
    b.app.circles[0]!.channels.push(ch);
    b.addMessage("alice", ALICE, "", { channelId: "secret" });
    b.addMessage("alice", ALICE, "", { channelId: "secret" });
  };

  test("shows one line about its messages and how to join, no authors over empty bodies; typing there is refused", async () => {
    const b = new FakeBackend({ name: "me" });
    locked(b);
    h = await startHarness(120, 24, b);
    await h.store.select(CIRCLE, "secret");
    const f = await h.until((f) => f.includes("mygroup #secret"), "secret open");
    expect(f).toContain("#secret is locked: 2 messages you can read after joining.");
    expect(f).not.toContain("alice:");
    // the hint line (bottom rule) says how to get in
    expect(hintRow()).toContain("/channel join secret <key>");
    await h.type("hi");
    await h.enter();
    await h.until(() => inputRow().includes("#secret is locked"), "refused beside the input");
    expect(b.messages.filter((m) => m.text === "hi").length).toBe(0);
    expect(value()).toBe("hi");
  });

  test("the sidebar opens it (to show it locked) instead of only a notice", async () => {
    const b = new FakeBackend({ name: "me" });
    locked(b);
    h = await startHarness(80, 24, b);
    const row = h.lines().findIndex((l) => l.includes("#secret"));
    await h.t.mockMouse.click(5, row);
    await h.until((f) => f.includes("#secret ←") && f.includes("#secret is locked"), "opened locked");
  });
});
