// The shared slash-command registry: parsing, resolution, and submitLine against a fake backend.
import { describe, expect, test } from "bun:test";
import { ChatStore } from "../../ui/shared/chat-store.ts";
import { COMMANDS, commandNames, resolve, splitWords, submitLine, type ModalName } from "../../ui/shared/commands.ts";
import { FakeBackend } from "./fake-backend.ts";

async function setup() {
  const backend = new FakeBackend();
  backend.addCircle("c".repeat(24), "friends", ["general", "random"]);
  const store = new ChatStore(backend);
  await store.init();
  const modals: string[] = [];
  const ctx = { store, ui: { frontend: "web" as const, openModal: (n: ModalName) => void modals.push(n) } };
  const run = (line: string) => submitLine(ctx, line);
  const notices = () => store.state.notices.map((n) => `${n.kind}: ${n.text}`);
  return { backend, store, modals, run, notices };
}

describe("parsing", () => {
  test("splitWords groups double-quoted words", () => {
    expect(splitWords(`circle create "my friends" now`)).toEqual(["circle", "create", "my friends", "now"]);
    expect(splitWords("  a   b ")).toEqual(["a", "b"]);
  });
  test("resolve prefers two-word commands and keeps the rest as args", () => {
    const r = resolve("/channel create Dev key s3cret");
    expect("cmd" in r && r.cmd.name).toBe("channel create");
    expect("args" in r && r.args).toEqual(["Dev", "key", "s3cret"]);
    const one = resolve("/channels");
    expect("cmd" in one && one.cmd.name).toBe("channels");
    expect("cmd" in resolve("/HELP") && (resolve("/HELP") as { cmd: { name: string } }).cmd.name).toBe("help");
  });
  test("a group word alone lists its subcommands; unknown words say so", () => {
    const g = resolve("/channel");
    expect("error" in g && g.error).toContain("/channel create");
    const u = resolve("/frobnicate now");
    expect("error" in u && u.error).toBe("unknown command /frobnicate; /help lists them");
  });
  test("every command the issue lists is in the registry", () => {
    const names = commandNames();
    for (const c of [
      "/help",
      "/invite",
      "/join",
      "/circles",
      "/circle create",
      "/circle name",
      "/circle leave",
      "/circle join",
      "/channels",
      "/channel create",
      "/channel join",
      "/channel switch",
      "/channel leave",
      "/who",
      "/name",
      "/settings",
    ])
      expect(names).toContain(c);
    expect(new Set(COMMANDS.map((c) => c.name)).size).toBe(COMMANDS.length);
  });
});

describe("submitLine", () => {
  test("plain text is sent to the active channel; // escapes a leading slash", async () => {
    const { backend, run, store } = await setup();
    await run("hello there");
    await run("//not a command");
    await run("   ");
    expect(backend.calls.filter((c) => c.startsWith("send"))).toEqual([
      "send general hello there",
      "send general /not a command",
    ]);
    expect(store.currentMessages.map((m) => m.text)).toEqual(["hello there", "/not a command"]);
  });
  test("unknown commands and usage errors become error notices, nothing is sent", async () => {
    const { backend, run, notices } = await setup();
    await run("/nope");
    await run("/channel create");
    expect(notices()).toEqual([
      "error: unknown command /nope; /help lists them",
      "error: usage: /channel create <name> [public|key|invite] [key]",
    ]);
    expect(backend.calls.some((c) => c.startsWith("send") || c.startsWith("createChannel"))).toBe(false);
  });
  test("/circle kick (owner only), /circle create --legacy and /channel approve reach the backend", async () => {
    const { backend, run, notices, store } = await setup();
    await run("/circle kick bob carol");
    expect(backend.calls).toContain(`kick ${store.state.circleId} bob,carol`);
    expect(notices().some((n) => n.includes("its invite codes were revoked (F2 gives a new one)"))).toBe(true);
    await run("/circle kick");
    await run("/channel approve secret bob");
    expect(backend.calls).toContain("approve secret bob");
    await run("/circle create oldies --legacy");
    expect(backend.calls).toContain("createCircle oldies legacy");
    expect(notices().some((n) => n.includes("usage: /circle kick <member>..."))).toBe(true);
    // a member who does not own the circle is told so, nothing is sent
    store.state.app!.circles.find((c) => c.circleId === store.state.circleId)!.owned = false;
    const before = backend.calls.length;
    await run("/circle kick bob");
    expect(backend.calls.slice(before).some((c) => c.startsWith("kick"))).toBe(false);
    expect(notices().at(-1)).toBe("error: only the circle's owner can remove members");
  });
  test("F-key commands open the front end's panels", async () => {
    const { modals, run } = await setup();
    await run("/help");
    await run("/invite");
    await run("/settings");
    expect(modals).toEqual(["help", "invite", "settings"]);
  });
  test("/channel create and /channel switch drive the backend and the store", async () => {
    const { backend, run, store } = await setup();
    await run("/channel create #Dev key s3cret");
    expect(backend.calls).toContain("createChannel dev key s3cret");
    expect(store.state.channelId).toBe("dev");
    await run("/channel switch random");
    expect(store.state.channelId).toBe("random");
    await run("/channel switch nowhere");
    expect(store.state.notices.at(-1)!.text).toBe("no channel #nowhere; /channels lists them");
    await run("/channel create x secret");
    expect(store.state.notices.at(-1)!.text).toBe("access mode must be public, key or invite");
  });
  test("/join reports a bad code from the backend as an error notice", async () => {
    const { run, notices, store } = await setup();
    await run("/join nonsense");
    expect(notices().at(-1)).toBe("error: invalid invite code: must start with felund1.");
    await run("/join felund1.abc");
    expect(store.state.circleId).toBe("d".repeat(24));
  });
  test("/join takes a code pasted with spaces or wrapped over lines as one code", async () => {
    const { backend, run } = await setup();
    await run("/join felund1.ab cd\nef  gh");
    expect(backend.calls).toContain("joinCircle felund1.abcdefgh");
  });
  test("/name changes the display name (cut to 40) and /circle name is owner-only", async () => {
    const { backend, run, store } = await setup();
    await run("/name " + "x".repeat(50));
    expect(backend.calls).toContain(`updateSettings {"displayName":"${"x".repeat(40)}"}`);
    expect(store.state.app!.node.displayName).toBe("x".repeat(40));
    await run("/circle name best friends");
    expect(backend.calls).toContain(`renameCircle ${"c".repeat(24)} best friends`);
    await run("/join felund1.abc"); // not owned
    await run("/circle name mine");
    expect(store.state.notices.at(-1)!.text).toBe("only the circle's owner can rename it");
  });
  test("/history sets the policy through the backend (owner only) and says what it is now", async () => {
    const { backend, run, store } = await setup();
    await run("/history 30d");
    expect(backend.calls).toContain(`setHistory ${"c".repeat(24)} 30d`);
    expect(store.state.notices.at(-1)!.text).toBe("history for new members: 30d");
    await run("/join felund1.abc"); // not owned
    await run("/history none");
    expect(store.state.notices.at(-1)!.text).toBe("only the circle's owner can set its history policy");
  });
  test("/help <command> details it in the log", async () => {
    const { run, notices } = await setup();
    await run("/help who");
    expect(notices()).toEqual(["info: /who [channel] — show members"]);
  });
});

describe("/call (shared registry)", () => {
  const ME = "a1a1a1a1a1a1a1a1a1a1a1a1";
  const BOB = "b0b0b0b0b0b0b0b0b0b0b0b0";
  async function withCall(host: string, frontend: "web" | "tui") {
    const backend = new FakeBackend();
    backend.addCircle("c".repeat(24), "friends", ["general", "random"]);
    backend.state.calls = [
      {
        sessionId: "5e55" + "0".repeat(28),
        circleId: "c".repeat(24),
        channelId: "general",
        hostNodeId: host,
        participants: [host],
        state: "pending",
        createdTs: 1,
      },
    ];
    backend.peers = [
      {
        circleId: "c".repeat(24),
        nodeId: BOB,
        name: "bob",
        addr: "",
        lastSeen: 0,
        lastOk: 0,
        failures: 0,
        source: "",
        proto: "v2",
      },
    ];
    const actions: string[] = [];
    (backend as any).callAction = async (_c: string, op: string, a: { sessionId?: string }) => {
      actions.push(`${op} ${a.sessionId?.slice(0, 4) ?? ""}`);
      return null;
    };
    const store = new ChatStore(backend);
    await store.init();
    await store.loadPeers("c".repeat(24));
    const ui: any = { frontend, openModal: () => {} };
    const media: string[] = [];
    if (frontend === "web")
      ui.call = async (op: string, a: { channelId: string; sessionId?: string }) =>
        void media.push(`${op} #${a.channelId} ${a.sessionId?.slice(0, 4) ?? ""}`.trim());
    else ui.webUrl = "http://127.0.0.1:9990";
    const run = (line: string) => submitLine({ store, ui }, line);
    const notices = () => store.state.notices.map((n) => `${n.kind}: ${n.text}`);
    return { backend, store, run, notices, actions, media };
  }

  test("/call list names the channel and who is in it, host marked", async () => {
    const t = await withCall(BOB, "tui");
    await t.run("/call list");
    expect(t.notices()).toEqual(["info: call in #general: bob (host) [5e550000]"]);
  });
  test("in the terminal, /call start and /call join point to the web UI; nothing is sent", async () => {
    const t = await withCall(BOB, "tui");
    await t.run("/call join");
    await t.run("/call start");
    expect(
      t.notices().every((n) => n.startsWith("error: audio calls need the web UI: open http://127.0.0.1:9990")),
    ).toBe(true);
    expect(t.actions).toEqual([]);
  });
  test("in the web client, /call join runs the page's media for the call of this channel", async () => {
    const t = await withCall(BOB, "web");
    await t.run("/call join");
    await t.run("/call start");
    expect(t.media).toEqual(["join #general 5e55", "start #general"]);
  });
  test("/call end is for the host only; /call leave leaves (also from the terminal)", async () => {
    const t = await withCall(BOB, "tui");
    await t.run("/call end");
    expect(t.notices()).toEqual(["error: only the host (bob) can end this call for everyone; /call leave leaves it"]);
    t.backend.state.calls[0]!.participants.push(ME);
    await t.store.refresh();
    await t.run("/call leave");
    expect(t.actions).toEqual(["leave 5e55"]);
    const h = await withCall(ME, "tui");
    await h.run("/call end");
    expect(h.actions).toEqual(["end 5e55"]);
  });
  test("no call here: /call join says how to start one", async () => {
    const t = await withCall(BOB, "web");
    await t.run("/channel switch random");
    await t.run("/call leave");
    expect(t.notices().at(-1)).toBe("error: no call in #random; call in #general: bob (host) [5e550000]");
  });
});
