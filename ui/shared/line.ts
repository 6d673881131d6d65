// A line from the input bar: a message to the active channel, or a slash command that the
// registry (commands.ts) runs. Apart from the registry, so a front end can send messages
// without loading it (the web client loads it at the first "/").
import { FelundError } from "../../src/protocol/errors.ts";
import type { ChatStore } from "./chat-store.ts";

/** "/cmd ..." is a command; "//text" sends a line that starts with a slash */
export const isCommandLine = (text: string): boolean => text.startsWith("/") && !text.startsWith("//");

/** The text a line sends as a message (what the limit counts), or null for a command line. */
export const messageText = (line: string): string | null => {
  const text = line.replace(/\s+$/, "");
  return isCommandLine(text) ? null : text.startsWith("//") ? text.slice(1) : text;
};

/**
 * Send `line` (its :shortcodes: as emoji), or hand it to `runCommand`. What goes wrong becomes
 * an error notice and is returned, so the input bar keeps the line and shows why; null when it
 * went through. `send` sends the message another way (the web client's reply bar: as a reply).
 */
export async function runLine(
  store: ChatStore,
  line: string,
  runCommand: (text: string) => Promise<void>,
  send: (text: string) => Promise<void> = (t) => store.sendText(t),
): Promise<string | null> {
  const text = line.replace(/\s+$/, "");
  if (!text.trim()) return null;
  const key = store.currentKey; // an error answers in the channel where it was asked
  try {
    const msg = messageText(text);
    if (msg === null) await runCommand(text);
    // whole :shortcodes: become their emoji (ui/shared/emoji.ts, loaded when a line may hold one)
    else await send(/:\S+:/.test(msg) ? await import("./emoji.ts").then((e) => e.replaceShortcodes(msg)) : msg);
    return null;
  } catch (e) {
    if (!(e instanceof Error)) throw e;
    const why = e instanceof FelundError ? e.message : `error: ${e.message}`;
    store.notice(why, "error", key);
    return why;
  }
}
