// The real program in a real terminal: `felund serve --tui` inside tmux (its own server
// socket), driven with send-keys and read with capture-pane. Covers the first-run wizard,
// chatting with a second node, channels, F1/F2/F3, and that every way out — /quit, ctrl+q,
// ctrl+c, SIGTERM, a crash — leaves the shell usable (alternate screen off, echo works).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = new URL("../..", import.meta.url).pathname;
const BUN = process.execPath;
const SOCK = `felund-tui-${process.pid}-${Date.now().toString(36)}`;
const HAVE_TMUX = !!Bun.which("tmux");
const dirs: string[] = [];
const procs: Bun.Subprocess[] = [];
let sessionNo = 0;

const tmux = (...args: string[]) => {
  const r = Bun.spawnSync(["tmux", "-L", SOCK, ...args], { stdout: "pipe", stderr: "pipe" });
  return r.stdout.toString();
};
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "felund-tui-"));
  dirs.push(d);
  return d;
};
/** A one-shot felund command on a state dir (through its running node, if any). */
function felund(dir: string, ...args: string[]): string {
  const r = Bun.spawnSync([BUN, "src/cli/main.ts", ...args], {
    cwd: ROOT,
    env: { ...process.env, FELUND_STATE_DIR: dir },
    stdout: "pipe",
    stderr: "pipe",
  });
  if (r.exitCode !== 0) throw new Error(`felund ${args.join(" ")} failed (${r.exitCode}): ${r.stderr.toString()}`);
  return r.stdout.toString();
}

/** A shell in a new tmux window of 100x30 with FELUND_STATE_DIR set. */
function shell(dir: string): string {
  const name = `s${++sessionNo}`;
  tmux(
    "new-session",
    "-d",
    "-s",
    name,
    "-x",
    "100",
    "-y",
    "30",
    "-e",
    `FELUND_STATE_DIR=${dir}`,
    "-e",
    "PS1=$ ",
    "bash --norc --noprofile",
  );
  tmux("send-keys", "-t", name, `cd ${ROOT}`, "Enter");
  return name;
}
const type = (s: string, text: string) => tmux("send-keys", "-t", s, "-l", text);
const keys = (s: string, ...k: string[]) => tmux("send-keys", "-t", s, ...k);
const screen = (s: string) => tmux("capture-pane", "-p", "-t", s);
const alternateOn = (s: string) => tmux("display", "-p", "-t", s, "#{alternate_on}").trim();

async function waitScreen(s: string, pred: (text: string) => boolean, what: string, ms = 10_000): Promise<string> {
  const t0 = Date.now();
  for (;;) {
    const text = screen(s);
    if (pred(text)) return text;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}; screen:\n${text}`);
    await Bun.sleep(50);
  }
}
async function until<T>(f: () => T | undefined | false, what: string, ms = 10_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    try {
      const v = f();
      if (v) return v;
    } catch (e) {
      if (Date.now() - t0 > ms) throw e;
    }
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(100);
  }
}

const startTui = (s: string) =>
  type(s, `${BUN} src/cli/main.ts serve --tui --http 127.0.0.1:0 --port 0 --interval 1; echo "EXIT=$?"\n`);

/** After the program ended: its exit line, the main screen back, and a shell that echoes. */
async function expectShellRestored(s: string, code: number) {
  await waitScreen(s, (t) => t.includes(`EXIT=${code}`), `EXIT=${code}`);
  expect(alternateOn(s)).toBe("0");
  keys(s, "clear", "Enter");
  await waitScreen(s, (t) => !t.includes("EXIT="), "clear");
  type(s, "echo shell-ok-$((40+2))\n");
  const t = await waitScreen(s, (t) => t.includes("shell-ok-42"), "echo");
  expect(t).not.toContain("felundchat");
}

beforeAll(() => {
  if (!HAVE_TMUX) return;
  tmux("start-server");
  tmux("new-session", "-d", "-s", "keepalive");
  tmux("set-option", "-s", "escape-time", "10");
});
afterAll(() => {
  for (const p of procs) p.kill();
  if (HAVE_TMUX) tmux("kill-server");
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe.skipIf(!HAVE_TMUX)("felund serve --tui in tmux", () => {
  test("first-run wizard, chatting with a second node, channels, F1/F2/F3, /quit", async () => {
    const dirA = tempDir();
    const dirB = tempDir();
    felund(dirA, "init", "--bind", "127.0.0.1");
    felund(dirB, "init", "--bind", "127.0.0.1", "--name", "bob");
    const s = shell(dirA);
    startTui(s);

    // first run: display name, then create a circle
    await waitScreen(s, (t) => t.includes("welcome to felundchat") && t.includes("Display name"), "wizard");
    expect(alternateOn(s)).toBe("1");
    type(s, "alice");
    keys(s, "Enter");
    await waitScreen(s, (t) => t.includes("Hi alice!"), "choice step");
    keys(s, "Enter");
    await waitScreen(s, (t) => t.includes("Circle name"), "circle name step");
    type(s, "friends");
    keys(s, "Enter");
    let t = await waitScreen(s, (t) => t.includes("● friends") && t.includes("#general ←"), "main screen");
    expect(t).toMatch(/│ node: [0-9a-f]{6} \(alice\) \| friends #general \| \d+ online \| live +ctrl\+q=quit │/);
    expect(t.split("\n")[0]).toMatch(/^┌─ felundchat ─+┐$/);

    // a terminal resize redraws the frame at the new size
    tmux("resize-window", "-t", s, "-x", "120", "-y", "40");
    t = await waitScreen(
      s,
      (t) => {
        const l = t.split("\n");
        return l[0]!.length === 120 && l[39]?.startsWith("└") === true;
      },
      "resized to 120x40",
    );
    expect(t.split("\n")[39]).toMatch(/^└─ F1 help.*┘$/);
    tmux("resize-window", "-t", s, "-x", "100", "-y", "30");
    await waitScreen(
      s,
      (t) => {
        const l = t.split("\n");
        return l[0]!.length === 100 && l[29]?.startsWith("└") === true;
      },
      "back to 100x30",
    );

    // the CLI one-shots go through the running node: circle id and invite code
    const circleId = (JSON.parse(felund(dirA, "circles", "--json")) as { circleId: string; name: string }[]).find(
      (c) => c.name === "friends",
    )!.circleId;
    const { code } = JSON.parse(felund(dirA, "invite", "--circle-id", circleId, "--json")) as { code: string };
    expect(code.startsWith("felund2.")).toBe(true);

    // a second node joins with the code and runs headless
    felund(dirB, "join", "--code", code);
    const nodeB = Bun.spawn([BUN, "src/cli/main.ts", "run", "--port", "0", "--interval", "1"], {
      cwd: ROOT,
      env: { ...process.env, FELUND_STATE_DIR: dirB },
      stdout: "ignore",
      stderr: "ignore",
    });
    procs.push(nodeB);
    await until(() => readFileSync(join(dirB, "runtime.json"), "utf8"), "node B runtime");

    // bob -> alice: appears live in the TUI
    felund(dirB, "send", "--circle-id", circleId, "hello from bob");
    await waitScreen(s, (t) => /\[\d\d:\d\d\] bob: hello from bob/.test(t), "bob's message in the TUI", 15_000);

    // alice -> bob: typed in the TUI, arrives at node B
    type(s, "hi bob, **welcome**");
    keys(s, "Enter");
    await waitScreen(s, (t) => t.includes("alice: hi bob, welcome"), "own message");
    await until(
      () => felund(dirB, "inbox", "--circle-id", circleId).includes("hi bob, **welcome**"),
      "alice's message at node B",
      15_000,
    );

    // channels: create one, switch back, get an unread mark from bob
    type(s, "/channel create random");
    keys(s, "Enter");
    t = await waitScreen(s, (t) => t.includes("#random ←") && t.includes("friends #random"), "created #random");
    type(s, "/channel switch general");
    keys(s, "Enter");
    await waitScreen(s, (t) => t.includes("#general ←") && t.includes("friends #general"), "back to #general");
    await until(
      () => {
        felund(dirB, "send", "--circle-id", circleId, "--channel", "random", "psst in random");
        return true;
      },
      "bob knows #random",
      15_000,
    );
    await waitScreen(s, (t) => t.includes("#random (1)"), "unread mark", 15_000);

    // F1 help, F2 invite, F3 settings; Escape closes each
    keys(s, "F1");
    t = await waitScreen(s, (t) => t.includes("╭─ help"), "help");
    expect(t).toContain("/circle kick <member>");
    keys(s, "Escape");
    await waitScreen(s, (t) => !t.includes("╭─ help"), "help closed");
    keys(s, "F2");
    t = await waitScreen(s, (t) => t.includes("Invite code for friends") && t.includes("felund2."), "invite");
    keys(s, "Escape");
    await waitScreen(s, (t) => !t.includes("Invite code for"), "invite closed");
    keys(s, "F3");
    t = await waitScreen(s, (t) => t.includes("╭─ settings") && t.includes("Relay URL"), "settings");
    expect(t).toContain("Display name");
    keys(s, "Escape");
    await waitScreen(s, (t) => !t.includes("╭─ settings"), "settings closed");

    // /quit leaves a clean shell
    type(s, "/quit");
    keys(s, "Enter");
    await expectShellRestored(s, 0);
  }, 60_000);

  test("ctrl+q, ctrl+c and SIGTERM each restore the terminal", async () => {
    const dir = tempDir();
    felund(dir, "init", "--bind", "127.0.0.1");
    felund(dir, "invite", "--name", "friends");
    const s = shell(dir);
    for (const how of ["C-q", "C-c", "SIGTERM"]) {
      startTui(s);
      await waitScreen(s, (t) => t.includes("● friends") && t.includes("| live"), `TUI up (${how})`);
      expect(alternateOn(s)).toBe("1");
      if (how === "SIGTERM")
        process.kill((JSON.parse(readFileSync(join(dir, "runtime.json"), "utf8")) as { pid: number }).pid, "SIGTERM");
      else keys(s, how);
      await expectShellRestored(s, 0);
    }
  }, 45_000);

  test("a crash restores the terminal, prints the error and exits 1", async () => {
    const s = shell(tempDir());
    type(s, `${BUN} tests/tui/crash-fixture.ts; echo "EXIT=$?"\n`);
    await waitScreen(s, (t) => t.includes("welcome to felundchat"), "TUI up");
    const t = await waitScreen(s, (t) => t.includes("EXIT=1"), "crash exit");
    expect(t).toContain("the terminal UI crashed: Error: boom from the crash test");
    await expectShellRestored(s, 1);
  }, 20_000);
});
