// Copying the invite code: OSC 52 through the renderer (works over SSH and in tmux with
// set-clipboard on), then a desktop clipboard tool if one is installed. The tools run with
// all output discarded, so nothing reaches the terminal the UI is drawing on.
import type { CliRenderer } from "@opentui/core";

const TOOLS: { bin: string; args: string[]; when: () => boolean }[] = [
  { bin: "wl-copy", args: [], when: () => !!process.env.WAYLAND_DISPLAY },
  { bin: "xclip", args: ["-selection", "clipboard"], when: () => !!process.env.DISPLAY },
  { bin: "xsel", args: ["--clipboard", "--input"], when: () => !!process.env.DISPLAY },
  { bin: "pbcopy", args: [], when: () => process.platform === "darwin" },
  { bin: "clip.exe", args: [], when: () => !!process.env.WSL_DISTRO_NAME },
];

/** Copy `text`; returns a short line saying how (for the dialog). */
export async function copyText(r: CliRenderer | null, text: string): Promise<string> {
  const ways: string[] = [];
  try {
    if (r?.copyToClipboardOSC52(text)) ways.push("OSC 52");
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
  return ways.length
    ? `copied to the clipboard (${ways.join(", ")})`
    : "select the code with the mouse to copy it (no clipboard access here)";
}
