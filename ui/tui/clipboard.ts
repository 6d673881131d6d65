// Copying the invite code: OSC 52 through the renderer (works over SSH and in tmux with
// set-clipboard on), then a desktop clipboard tool if one is installed. The tools run with
// all output discarded, so nothing reaches the terminal the UI is drawing on. Only a tool that
// exited 0 confirms a copy: a terminal never answers an OSC 52 write (and what it says about
// itself, or the environment, is a guess), so OSC 52 alone is reported as sent, not copied.
import type { CliRenderer } from "@opentui/core";

const TOOLS: { bin: string; args: string[]; when: () => boolean }[] = [
  { bin: "wl-copy", args: [], when: () => !!process.env.WAYLAND_DISPLAY },
  { bin: "xclip", args: ["-selection", "clipboard"], when: () => !!process.env.DISPLAY },
  { bin: "xsel", args: ["--clipboard", "--input"], when: () => !!process.env.DISPLAY },
  { bin: "pbcopy", args: [], when: () => process.platform === "darwin" },
  { bin: "clip.exe", args: [], when: () => !!process.env.WSL_DISTRO_NAME },
];

/** what copyText says when nothing confirmed the copy (the invite dialog then offers the code alone) */
export const NOT_CONFIRMED = "not copied for sure";

/** Copy `text`; returns a short line saying how (for the dialog): "copied …" only when confirmed. */
export async function copyText(r: CliRenderer | null, text: string): Promise<string> {
  const ways: string[] = [];
  let osc52 = false;
  try {
    osc52 = !!r?.copyToClipboardOSC52(text);
  } catch {
    /* terminal without OSC 52 */
  }
  for (const t of TOOLS) {
    if (!t.when()) continue;
    const bin = Bun.which(t.bin);
    if (!bin) continue;
    try {
      const p = Bun.spawn([bin, ...t.args], { stdin: "pipe", stdout: "ignore", stderr: "ignore" });
      p.stdin.write(text);
      await p.stdin.end();
      const code = await Promise.race([p.exited, Bun.sleep(2000).then(() => -1)]);
      if (code === 0) {
        ways.push(t.bin);
        break;
      }
      if (code === -1) p.kill();
    } catch {
      /* try the next tool */
    }
  }
  if (ways.length) return `copied to the clipboard (${ways.join(", ")})`;
  return osc52
    ? `${NOT_CONFIRMED}: sent to the terminal's clipboard (OSC 52), which may ignore it`
    : `${NOT_CONFIRMED}: no clipboard access here`;
}
