// A line from the input bar: a message to the active channel, or a slash command that the
// registry (commands.ts) runs. Apart from the registry, so a front end can send messages
// without loading it (the web client loads it at the first "/").
import { FelundError } from "../../src/protocol/errors.ts";
import type { ChatStore } from "./chat-store.ts";

/** "/cmd ..." is a command; "//text" sends a line that starts with a slash */
export const isCommandLine = (text: string): boolean => text.startsWith("/") && !text.startsWith("//");

/** Send `line`, or hand it to `runCommand`; what goes wrong becomes an error notice. */
export async function runLine(
  store: ChatStore,
  line: string,
  runCommand: (text: string) => Promise<void>,
): Promise<void> {
  const text = line.replace(/\s+$/, "");
  if (!text.trim()) return;
  const key = store.currentKey; // an error answers in the channel where it was asked
  try {
    if (isCommandLine(text)) await runCommand(text);
    else await store.sendText(text.startsWith("//") ? text.slice(1) : text);
  } catch (e) {
    if (e instanceof FelundError) store.notice(e.message, "error", key);
    else if (e instanceof Error) store.notice(`error: ${e.message}`, "error", key);
    else throw e;
  }
}
