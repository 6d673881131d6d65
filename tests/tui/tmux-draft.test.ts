// The real program in tmux: what is typed and not sent in `felund serve --tui` is a draft the
// node keeps, so it is back in the input bar after quitting and starting again (issue 14,
// item 2).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = new URL("../..", import.meta.url).pathname;
const BUN = process.execPath;
const SOCK = `felund-tui-draft-${process.pid}-${Date.now().toString(36)}`;
const HAVE_TMUX = !!Bun.which("tmux");
let dir = "";

const tmux = (...args: string[]) =>
  Bun.spawnSync(["tmux", "-L", SOCK, ...args], { stdout: "pipe", stderr: "pipe" }).stdout.toString();
const type = (s: string, text: string) => tmux("send-keys", "-t", s, "-l", text);
const keys = (s: string, ...k: string[]) => tmux("send-keys", "-t", s, ...k);
const screen = (s: string) => tmux("capture-pane", "-p", "-t", s);

async function waitScreen(s: string, pred: (text: string) => boolean, what: string, ms = 15_000): Promise<string> {
  const t0 = Date.now();
  for (;;) {
    const text = screen(s);
    if (pred(text)) return text;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}; screen:\n${text}`);
    await Bun.sleep(50);
  }
}
const startTui = (s: string) =>
  type(s, `${BUN} src/cli/main.ts serve --tui --http 127.0.0.1:0 --port 0 --interval 1; echo "EXIT=$?"\n`);

beforeAll(() => {
  if (!HAVE_TMUX) return;
  dir = mkdtempSync(join(tmpdir(), "felund-tui-draft-"));
  tmux("start-server");
  tmux("new-session", "-d", "-s", "keepalive");
  tmux("set-option", "-s", "escape-time", "10");
});
afterAll(() => {
  if (HAVE_TMUX) tmux("kill-server");
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!HAVE_TMUX)("drafts of felund serve --tui", () => {
  test("a draft survives quitting and starting again", async () => {
    const init = Bun.spawnSync([BUN, "src/cli/main.ts", "init", "--bind", "127.0.0.1", "--name", "alice"], {
      cwd: ROOT,
      env: { ...process.env, FELUND_STATE_DIR: dir },
    });
    expect(init.exitCode).toBe(0);
    const s = "d1";
    tmux("new-session", "-d", "-s", s, "-x", "100", "-y", "30", "-e", `FELUND_STATE_DIR=${dir}`, "-e", "PS1=$ ");
    tmux("send-keys", "-t", s, `cd ${ROOT}`, "Enter");
    startTui(s);
    // first run: the name is known; create a circle
    await waitScreen(s, (t) => t.includes("welcome to felundchat"), "wizard");
    keys(s, "Enter");
    await waitScreen(s, (t) => t.includes("Hi alice!"), "choice step");
    keys(s, "Enter");
    await waitScreen(s, (t) => t.includes("Circle name"), "circle name step");
    type(s, "friends");
    keys(s, "Enter");
    await waitScreen(s, (t) => t.includes("● friends") && t.includes("#general ←"), "main screen");

    type(s, "half a thought, kept");
    await waitScreen(s, (t) => t.includes("> half a thought, kept"), "typed");
    await Bun.sleep(800); // saved after a pause in typing (and again at quit)
    keys(s, "C-q");
    await waitScreen(s, (t) => t.includes("EXIT=0"), "quit");

    startTui(s);
    await waitScreen(s, (t) => t.includes("> half a thought, kept"), "the draft after the restart");
    keys(s, "C-q");
    await waitScreen(s, (t) => (t.match(/EXIT=0/g) ?? []).length === 2, "quit again");
  }, 60_000);
});
