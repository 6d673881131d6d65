// In-process render tests of the terminal UI (OpenTUI's test renderer, a fake backend):
// the layout at 80x24 and 120x40, resize, inline markdown, live messages, unread marks,
// dialogs, the first-run wizard, slash commands, completion and scroll-back.
import { afterEach, describe, expect, test } from "bun:test";
import { TextAttributes } from "@opentui/core";
import { COMMANDS } from "../../ui/shared/commands.ts";
import { FakeBackend, T0 } from "./fake-backend.ts";
import type { InviteView } from "../../ui/shared/types.ts";
import type { Backend } from "../../ui/shared/backend.ts";
import { fromHex } from "../../src/protocol/bytes.ts";
import { encodeInvite2 } from "../../src/protocol/v2/invite.ts";
import { nodeKeysFromSeed } from "../../src/protocol/v2/keys.ts";
import { startHarness, type Harness } from "./harness.ts";

const ALICE = "aaaa11112222333344445555";
const BOB = "b0b011112222333344445555";

function chatBackend(): FakeBackend {
  const b = new FakeBackend({ name: "me" });
  b.addMessage("alice", ALICE, "hey everyone");
  b.addMessage("bob", BOB, "yo");
  b.addMessage("me", b.app.node.nodeId, "what's up");
  return b;
}

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

/** The frame's box drawing: every row is exactly `width` columns between │ or corners. */
function expectFramed(lines: string[], width: number, height: number) {
  expect(lines.length).toBeGreaterThanOrEqual(height);
  const rows = lines.slice(0, height);
  for (const l of rows) expect(Bun.stringWidth(l)).toBe(width);
  expect(rows[0]!.startsWith("┌─ felundchat ")).toBe(true);
  expect(rows[0]!.endsWith("┐")).toBe(true);
  expect(rows[height - 1]!.startsWith("└")).toBe(true);
  expect(rows[height - 1]!.endsWith("┘")).toBe(true);
  for (const l of rows.slice(1, -1)) expect(l[0] === "│" || l[0] === "├").toBe(true);
}

describe("layout", () => {
  for (const [w, hgt, side] of [
    [80, 24, 20],
    [120, 40, 26],
  ] as const) {
    test(`${w}x${hgt}: frame, header, sidebar, log and input`, async () => {
      h = await startHarness(w, hgt, chatBackend());
      const f = await h.until((f) => f.includes("what's up"), "messages");
      const L = f.split("\n");
      expectFramed(L, w, hgt);
      // header: node id, display name, circle, channel, peers, connection, quit key
      expect(L[1]).toMatch(/^│ node: a3f8b2 \(me\) \| mygroup #general \| 0 online \| live +ctrl\+q=quit │$/);
      // rules with T-junctions where the sidebar meets them
      expect(L[2]).toBe("├" + "─".repeat(side - 1) + "┬" + "─".repeat(w - side - 2) + "┤");
      expect(L[hgt - 3]).toBe("├" + "─".repeat(side - 1) + "┴" + "─".repeat(w - side - 2) + "┤");
      // sidebar
      const sideCol = (i: number) => L[i]!.slice(2, side).trimEnd();
      expect(sideCol(3)).toBe("Circles");
      expect(sideCol(4)).toMatch(/^─+$/);
      expect(sideCol(5)).toBe("● mygroup");
      expect(sideCol(6)).toBe("  #general ←");
      expect(sideCol(7)).toBe("  #random");
      // log: [HH:MM] name: text, oldest first
      const log = L.slice(3, hgt - 3).map((l) => l.slice(side + 2).replace(/[│█▀▄ ]+$/, ""));
      const first = log.findIndex((l) => l.includes("alice"));
      expect(log.slice(first, first + 3)).toEqual([
        "[10:32] alice: hey everyone",
        "[10:33] bob: yo",
        "[10:34] me: what's up",
      ]);
      // input bar and the key hints in the bottom rule
      expect(L[hgt - 2]).toMatch(/^│ > message #general in mygroup — \/help for commands +│$/);
      expect(L[hgt - 1]).toContain("F1 help · F2 invite · F3 settings");
    });
  }

  test("resize redraws the whole frame at the new size", async () => {
    h = await startHarness(80, 24, chatBackend());
    await h.until((f) => f.includes("what's up"));
    h.t.resize(120, 40);
    const f = await h.until((f) => f.split("\n")[2]?.length === 120 && f.split("\n")[2]![26] === "┬", "resized frame");
    expectFramed(f.split("\n"), 120, 40);
    h.t.resize(60, 16);
    const g = await h.until((f) => f.split("\n")[0]?.length === 60 && f.split("\n")[2]![16] === "┬", "smaller frame");
    expectFramed(g.split("\n"), 60, 16);
    expect(g).toContain("what's up");
  });

  test("long messages wrap under the time column", async () => {
    const b = chatBackend();
    b.addMessage("alice", ALICE, "word ".repeat(30).trim());
    h = await startHarness(80, 24, b);
    const f = await h.until((f) => f.includes("word word"));
    const rows = f
      .split("\n")
      .map((l) => l.slice(22, 79).trimEnd())
      .filter((l) => l.includes("word"));
    expect(rows.length).toBeGreaterThan(1);
    expect(rows[0]!.startsWith("[")).toBe(true);
    for (const r of rows.slice(1)) expect(r.startsWith("        word")).toBe(true);
  });
});

describe("log content", () => {
  test("inline markdown, mentions and author colours become styles", async () => {
    const b = chatBackend();
    b.addMessage("alice", ALICE, "**bold** and `code` and @me and https://example.com");
    h = await startHarness(100, 24, b);
    await h.until((f) => f.includes("bold and code and @me"));
    const spans = h.t.captureSpans().lines.flatMap((l) => l.spans);
    const span = (text: string) => spans.find((s) => s.text.includes(text))!;
    expect(span("bold").attributes & TextAttributes.BOLD).toBeTruthy();
    expect(span("code").bg.toInts()).not.toEqual(span(" and ").bg.toInts());
    expect(span("@me").bg.toInts()).not.toEqual(span(" and ").bg.toInts());
    expect(span("example.com").attributes & TextAttributes.UNDERLINE).toBeTruthy();
    // alice and bob are drawn in different colours
    expect(span("alice").fg.toInts()).not.toEqual(span("bob").fg.toInts());
  });

  test("control characters from peers are shown inert", async () => {
    const b = chatBackend();
    b.addMessage("eve\x1b[31m", "eeee11112222333344445555", "\x1b[2J\x07gotcha");
    h = await startHarness(80, 24, b);
    const f = await h.until((f) => f.includes("gotcha"));
    expect(f).toContain("eve�[31m");
    expect(f).toContain("�[2J�gotcha");
  });

  test("a backlog message that arrives late is placed by its time and marked 'arrived later'", async () => {
    h = await startHarness(100, 24, chatBackend());
    await h.until((f) => f.includes("what's up"));
    h.backend.addMessage("bob", BOB, "newer one", { ts: T0 + 900, emit: true });
    await h.until((f) => f.includes("bob: newer one"), "live message");
    // written at 10:37, stored here at 10:48 behind "newer one" (10:47)
    h.backend.addMessage("alice", ALICE, "written offline", {
      ts: T0 + 300,
      late: true,
      receivedAt: T0 + 1000,
      emit: true,
    });
    const f = await h.until((f) => f.includes("written offline"), "late message");
    const L = f.split("\n");
    const at = (t: string) => L.findIndex((l) => l.includes(t));
    expect(at("written offline")).toBeLessThan(at("newer one"));
    expect(at("written offline")).toBeGreaterThan(at("what's up"));
    expect(L[at("written offline")]).toContain("[10:37] alice: written offline (arrived later 10:48)");
    expect(L[at("newer one")]).not.toContain("arrived later");
  });

  test("messages from peers appear live; other channels get unread and mention marks", async () => {
    h = await startHarness(80, 24, chatBackend());
    await h.until((f) => f.includes("what's up"));
    h.backend.addMessage("bob", BOB, "live one", { ts: T0 + 900, emit: true });
    await h.until((f) => f.includes("bob: live one"), "live message");
    h.backend.addMessage("bob", BOB, "over here", { channelId: "random", emit: true });
    await h.until((f) => f.includes("#random (1)"), "unread mark");
    h.backend.addMessage("alice", ALICE, "@me look", { channelId: "random", emit: true });
    await h.until((f) => f.includes("#random @1"), "mention mark");
    await h.type("/channel switch random");
    await h.enter();
    const f = await h.until((f) => f.includes("#random ←") && f.includes("alice: @me look"), "switched");
    expect(f).toContain("mygroup #random");
    expect(f).not.toContain("(1)");
  });

  test("clicking a channel in the sidebar switches to it", async () => {
    h = await startHarness(80, 24, chatBackend());
    const f = await h.until((f) => f.includes("what's up"));
    const row = f.split("\n").findIndex((l) => l.includes("  #random"));
    await h.t.mockMouse.click(5, row);
    await h.until((f) => f.includes("#random ←") && f.includes("mygroup #random"), "switched by click");
  });

  test("connection state shows in the header", async () => {
    h = await startHarness(80, 24, chatBackend());
    h.backend.emit({ t: "connection", state: "offline" });
    await h.until((f) => f.split("\n")[1]!.includes("| offline"), "offline");
  });
});

describe("calls in the terminal", () => {
  test("the header shows a call in progress and who is in it; /call join points to the web UI", async () => {
    const b = chatBackend();
    b.app.calls = [
      {
        sessionId: "ca11" + "0".repeat(28),
        circleId: b.app.circles[0]!.circleId,
        channelId: "general",
        hostNodeId: ALICE,
        participants: [ALICE, BOB],
        state: "active",
        createdTs: T0,
      },
    ];
    h = await startHarness(120, 40, b);
    // names come from what the log shows (alice and bob wrote in it)
    await h.until((f) => f.split("\n")[1]!.includes("call #general: alice, bob"), "call in the header");
    await h.type("/call list");
    await h.enter();
    await h.until((f) => f.includes("call in #general: alice (host), bob [ca110000]"));
    await h.type("/call join");
    await h.enter();
    await h.until((f) => f.includes("! audio calls need the web UI"));
  });
});

describe("call viewers in the terminal", () => {
  test("the header counts viewers, /call list names them, /call view points to the web UI, /call revoke asks the node", async () => {
    const b = chatBackend();
    const me = b.app.node.nodeId;
    const call = {
      sessionId: "ca11" + "0".repeat(28),
      circleId: b.app.circles[0]!.circleId,
      channelId: "general",
      hostNodeId: me,
      participants: [me, ALICE],
      viewers: [BOB],
      state: "active",
      createdTs: T0,
    };
    b.app.calls = [call];
    const asked: unknown[] = [];
    (b as Backend).callAction = async (circleId, op, a) => {
      asked.push({ circleId, op, ...a });
      b.app.calls = [{ ...call, viewers: [] }];
      return b.app.calls[0]!;
    };
    h = await startHarness(120, 40, b);
    await h.until(
      (f) => f.split("\n")[1]!.includes("call #general: me, alice (2p+1v watching)"),
      "viewers in the header",
    );
    await h.type("/call list");
    await h.enter();
    await h.until((f) => f.includes("call in #general: me (host), alice; watching 1/6: bob [ca110000]"));
    await h.type("/call view");
    await h.enter();
    await h.until((f) => f.includes("! audio calls need the web UI"));
    await h.type("/call revoke bob");
    await h.enter();
    await h.until((f) => f.includes("removed bob from the call in #general"));
    expect(asked).toEqual([{ circleId: call.circleId, op: "revoke", sessionId: call.sessionId, target: BOB }]);
    await h.until((f) => !f.split("\n")[1]!.includes("watching"), "the header after the revoke");
  });
});

describe("commands and keys", () => {
  test("unknown commands and bad arguments give a notice", async () => {
    h = await startHarness(80, 24, chatBackend());
    await h.type("/frobnicate");
    await h.enter();
    await h.until((f) => f.includes("! unknown command /frobnicate; /help lists them"));
    await h.type("/channel create");
    await h.enter();
    await h.until((f) => f.includes("! usage: /channel create <name>"));
    await h.type("/channel");
    await h.enter();
    await h.until((f) => f.includes("! usage: /channel create"));
  });

  test("/channel create, switch and leave move the active mark", async () => {
    h = await startHarness(80, 24, chatBackend());
    await h.type("/channel create dev");
    await h.enter();
    await h.until(
      (f) => f.includes("#dev ←") && f.includes("* created #dev (public)") && f.includes("No messages in #dev yet"),
      "created",
    );
    await h.type("/channel switch general");
    await h.enter();
    await h.until((f) => f.includes("#general ←") && !f.includes("#dev ←"), "switched back");
    await h.type("/channels");
    await h.enter();
    await h.until((f) => f.includes("* → #general (public)"), "channel list");
  });

  test("sending a message shows it in the log and clears the input", async () => {
    h = await startHarness(80, 24, chatBackend());
    await h.type("hello **there**");
    await h.enter();
    const f = await h.until((f) => f.includes("me: hello there"), "sent message");
    expect(f).toMatch(/│ > message #general/);
  });

  test("F1 lists the shared registry; F2 shows and copies the invite; Esc closes", async () => {
    h = await startHarness(120, 40, chatBackend());
    h.t.mockInput.pressKey("F1");
    let f = await h.until((f) => f.includes("╭─ help"), "help");
    expect(h.app.openModalKind).toBe("help");
    for (const c of COMMANDS.slice(0, 12)) expect(f).toContain(`/${c.name}`);
    // PgDn until the last command shows (the list is several pages long)
    for (let i = 0; i < 8 && !f.includes("/quit"); i++) {
      h.t.mockInput.pressKey("\x1b[6~");
      f = await h.until(() => true, "help scrolled");
    }
    f = await h.until((f) => f.includes("/quit"), "help scrolled to the end");
    h.t.mockInput.pressEscape();
    await h.until((f) => !f.includes("╭─ help"), "help closed");
    h.t.mockInput.pressKey("F2");
    f = await h.until((f) => f.includes("copied to the clipboard (test)"), "invite");
    expect(f).toContain("Invite code for mygroup:");
    expect(f).toContain("felund1.fake-invite-code-for-c1c1c1c1c1c1c1c1c1c1c1c1");
    expect(h.copied).toEqual(["felund1.fake-invite-code-for-c1c1c1c1c1c1c1c1c1c1c1c1"]);
    h.t.mockInput.pressEscape();
    await h.until((f) => !f.includes("Invite code"), "invite closed");
    expect(h.app.openModalKind).toBe(null);
  });

  test("F2 lists the owner's invites; ↑/↓ select, r revokes through the backend", async () => {
    const b = chatBackend();
    const keys = nodeKeysFromSeed(new Uint8Array(32).fill(7));
    const ids = ["11".repeat(16), "22".repeat(16), "33".repeat(16)];
    const inv = (id: string, o: Partial<InviteView>): InviteView => ({
      inviteId: id,
      createdTs: T0,
      expiresTs: T0 + 7 * 86400,
      uses: 0,
      maxUses: 0,
      revokedTs: null,
      state: "live",
      ...o,
    });
    b.invites = [
      inv(ids[0]!, {}),
      inv(ids[1]!, { uses: 2, maxUses: 5 }),
      inv(ids[2]!, { uses: 1, state: "revoked", revokedTs: T0 }),
    ];
    b.code = encodeInvite2(
      {
        inviteId: fromHex(ids[0]!),
        ticket: new Uint8Array(32),
        circleId: "c1c1c1c1c1c1c1c1c1c1c1c1",
        circleName: "mygroup",
        ownerKey: keys.edPublic,
        peer: "127.0.0.1:9999",
        issuedTs: T0,
        expiresTs: T0 + 7 * 86400,
        maxUses: 0,
      },
      keys.edSecret,
    );
    h = await startHarness(120, 40, b);
    h.t.mockInput.pressKey("F2");
    let f = await h.until((f) => f.includes("Invites of this circle"), "invite list");
    expect(f).toMatch(/▸ 111111111111 {2}\d\d-\d\d \d\d:\d\d → \d\d-\d\d \d\d:\d\d {2}0\/∞ +live {2}\(this code\)/);
    expect(f).toMatch(/ {2}222222222222 .* 2\/5 +live/);
    expect(f).toMatch(/ {2}333333333333 .* 1\/∞ +revoked/);
    expect(f).toContain("r revoke");
    h.t.mockInput.pressArrow("down");
    f = await h.until((f) => f.includes("▸ 222222222222"), "second selected");
    h.t.mockInput.pressKey("r");
    f = await h.until((f) => f.includes("revoked 222222222222: its code admits no one now"), "revoked");
    expect(b.revoked).toEqual([ids[1]]);
    expect(f).toMatch(/▸ 222222222222 .* 2\/5 +revoked/);
    // the shown code's own invite: the status says to reopen F2 for a new one
    h.t.mockInput.pressArrow("up");
    await h.until((f) => f.includes("▸ 111111111111"), "first selected");
    h.t.mockInput.pressKey("r");
    await h.until((f) => f.includes("(reopen F2 for a new code)"), "own code revoked");
    // a revoked one again: a clear line, no second call
    h.t.mockInput.pressArrow("down");
    h.t.mockInput.pressArrow("down");
    await h.until((f) => f.includes("▸ 333333333333"), "third selected");
    h.t.mockInput.pressKey("r");
    await h.until((f) => f.includes("is already revoked"), "already revoked");
    expect(b.revoked).toEqual([ids[1], ids[0]]);
    h.t.mockInput.pressEscape();
    await h.until((f) => !f.includes("Invites of this circle"), "closed");
  });

  test("F2 of a legacy circle: the felund1 code cannot be revoked, and says what a kick means", async () => {
    h = await startHarness(120, 40, chatBackend());
    h.t.mockInput.pressKey("F2");
    const f = await h.until((f) => f.includes("cannot be revoked"), "legacy note");
    expect(f).toContain("original felund clients are cut off");
    expect(f).not.toContain("Invites of this circle");
  });

  test("F3 settings changes the display name", async () => {
    h = await startHarness(100, 30, chatBackend());
    h.t.mockInput.pressKey("F3");
    const f = await h.until((f) => f.includes("╭─ settings"), "settings");
    expect(f).toContain("Display name");
    expect(f).toContain("Relay URL");
    expect(f).toContain("a3f8b2c4d5e6f708192a3b4c");
    for (let i = 0; i < 2; i++) h.t.mockInput.pressBackspace();
    await h.type("marta");
    await h.enter();
    await h.until((f) => f.includes("settings saved; you are now marta"), "saved");
    expect(h.backend.settings).toEqual([{ displayName: "marta" }]);
    expect(h.lines()[1]).toContain("(marta)");
  });

  test("Tab completes commands, channels and names; repeated Tab cycles", async () => {
    h = await startHarness(80, 24, chatBackend());
    await h.until((f) => f.includes("what's up"));
    await h.type("/cha");
    h.t.mockInput.pressTab();
    await h.until((f) => /│ > \/channel +│/.test(f) && f.includes("/channel  /channels"), "common prefix + candidates");
    await h.type(" sw");
    h.t.mockInput.pressTab();
    await h.until((f) => f.includes("> /channel switch "), "second word");
    await h.type("ra");
    h.t.mockInput.pressTab();
    await h.until((f) => f.includes("> /channel switch random "), "channel name");
    for (let i = 0; i < 30; i++) h.t.mockInput.pressBackspace();
    await h.type("hi @");
    h.t.mockInput.pressTab();
    await h.until((f) => f.includes("> hi @alice "), "first name");
    h.t.mockInput.pressTab();
    await h.until((f) => f.includes("> hi @bob "), "cycled");
  });

  test("history: up and down recall sent lines", async () => {
    h = await startHarness(80, 24, chatBackend());
    await h.type("/circles");
    await h.enter();
    await h.until((f) => f.includes("● mygroup [c1c1c1]"));
    h.t.mockInput.pressArrow("up");
    await h.until((f) => f.includes("> /circles"), "recalled");
    h.t.mockInput.pressArrow("down");
    await h.until((f) => !f.includes("> /circles"), "back to draft");
  });

  test("PgUp scrolls back and loads older history at the top", async () => {
    const b = new FakeBackend({ name: "me" });
    for (let i = 0; i < 130; i++) b.addMessage("alice", ALICE, `message number ${i}`);
    h = await startHarness(80, 24, b);
    await h.until((f) => f.includes("message number 129"));
    const key = h.store.currentKey;
    expect(h.store.state.messages[key]!.length).toBe(50);
    for (let i = 0; i < 12 && h.store.state.messages[key]!.length < 130; i++) {
      h.t.mockInput.pressKey("\x1b[5~");
      await Bun.sleep(10);
      await h.t.renderOnce();
    }
    expect(h.store.state.messages[key]!.length).toBe(130);
    for (let i = 0; i < 30; i++) h.t.mockInput.pressKey("\x1b[5~");
    await h.until((f) => f.includes("message number 0"), "oldest message");
    for (let i = 0; i < 60; i++) h.t.mockInput.pressKey("\x1b[6~");
    await h.until((f) => f.includes("message number 129"), "back at the bottom");
  });

  test("/debug toggles the gossip debug pane", async () => {
    h = await startHarness(80, 24, chatBackend());
    await h.type("/debug");
    await h.enter();
    await h.until((f) => f.includes("gossip debug") && f.includes("* debug log on"), "pane open");
    h.backend.emit({ t: "debug", line: "sync ok 127.0.0.1:9999" });
    await h.until((f) => f.includes("sync ok 127.0.0.1:9999"), "debug line");
    await h.type("/debug");
    await h.enter();
    await h.until((f) => !f.includes("gossip debug"), "pane closed");
  });

  test("/who lists the circle's members: online by path or last seen, the header counts who is online", async () => {
    const b = chatBackend();
    const now = Math.floor(Date.now() / 1000);
    b.members = [
      { nodeId: ALICE, name: "alice", you: false, online: true, path: "tcp", proto: "v2", lastSeen: now },
      { nodeId: BOB, name: "bob", you: false, online: false, path: null, proto: "", lastSeen: now - 600 },
      {
        nodeId: "c0c011112222333344445555",
        name: "rita",
        you: false,
        online: true,
        path: "relay",
        proto: "",
        lastSeen: now,
      },
    ];
    h = await startHarness(100, 30, b);
    await h.until((f) => f.includes("| 2 online |"), "header: 2 online");
    await h.type("/who");
    await h.enter();
    const f = await h.until((f) => f.includes("4 members, 2 online"), "/who");
    expect(f).toContain("* alice [aaaa11] online via tcp v2");
    expect(f).toContain("- bob [b0b011] offline, last seen 10 min ago");
    expect(f).toContain("* rita [c0c011] online via relay");
    expect(f).toContain("* me [a3f8b2] (you)");
    // F5 prints the same list again
    h.t.mockInput.pressKey("F5");
    await h.until((f) => f.split("4 members, 2 online").length === 3, "F5: the list again");
    // bob connects: the node's event moves the header
    b.members[1] = { ...b.members[1]!, online: true, path: "tcp", proto: "v2" };
    b.emit({ t: "members", circleId: "c1c1c1c1c1c1c1c1c1c1c1c1" });
    await h.until((f) => f.includes("| 3 online |"), "header: 3 online");
  });

  test("/quit and ctrl+q ask to quit", async () => {
    h = await startHarness(80, 24, chatBackend());
    await h.type("/quit");
    await h.enter();
    expect(h.quits).toBe(1);
    h.t.mockInput.pressKey("q", { ctrl: true });
    expect(h.quits).toBe(2);
  });
});

describe("first run", () => {
  test("wizard: display name, then create a circle", async () => {
    h = await startHarness(80, 24, new FakeBackend({ circles: false, name: "anon" }));
    await h.until((f) => f.includes("welcome to felundchat") && f.includes("Display name"), "wizard");
    await h.enter();
    await h.until((f) => f.includes("please enter a name"), "name required");
    await h.type("alice");
    await h.enter();
    await h.until((f) => f.includes("Hi alice!") && f.includes("▸ 1  Create a new circle"), "choice");
    await h.enter();
    await h.until((f) => f.includes("Circle name"), "circle name step");
    await h.type("friends");
    await h.enter();
    const f = await h.until((f) => f.includes("● friends") && !f.includes("welcome"), "main screen");
    expect(f).toContain("node: a3f8b2 (alice) | friends #general");
    expect(f).toContain("created circle friends");
  });

  test("wizard: join by invite code, with a clear error for a bad code", async () => {
    h = await startHarness(80, 24, new FakeBackend({ circles: false, name: "bob" }));
    await h.until((f) => f.includes("Display name"));
    await h.enter();
    await h.until((f) => f.includes("Hi bob!"));
    h.t.mockInput.pressKey("2");
    await h.until((f) => f.includes("▸ 2  Join"));
    await h.enter();
    await h.until((f) => f.includes("Invite code"));
    await h.type("nonsense");
    await h.enter();
    await h.until((f) => f.includes("invalid invite code"), "error shown");
    h.t.mockInput.pressEscape();
    await h.until((f) => f.includes("Hi bob!"), "back one step");
    await h.enter();
    await h.type("felund1.abc");
    await h.enter();
    await h.until((f) => f.includes("joined circle j0j0j0") && f.includes("#general ←"), "joined");
  });
});
