// Showing text that came from peers (messages, display names, circle names) without letting
// it act on the screen: one sanitizer for the TUI and the CLI (the web UI renders DOM text,
// which is inert already), and the labels that keep look-alike names apart in all three.
import { isMixedScript } from "../../src/protocol/channel-id.ts";

/**
 * C0 controls but newline (ESC starts every terminal escape: OSC 52 clipboard writes, OSC 0
 * titles, CSI line erasure), DEL, C1 controls, and the bidi marks, embeddings, overrides and
 * isolates, which reorder what follows them on screen. U+2028/U+2029 break lines in some
 * terminals, so they count as newlines.
 */
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Untrusted text made inert for a terminal: every control character becomes U+FFFD (visibly
 * there, acting on nothing), tabs four spaces, CR/CRLF a newline. Newlines stay newlines
 * (the TUI draws them with a hanging indent) or become `newline` (the CLI's "⏎", so a
 * message stays on its own line and cannot start one that looks like another author's).
 */
export function inertText(text: string, newline = "\n"): string {
  return text
    .replace(/\r\n?|[\u2028\u2029]/g, "\n")
    .replace(/\t/g, "    ")
    .replace(UNSAFE, "\ufffd")
    .replace(/\n/g, newline);
}

/** What the CLI shows for a newline inside one line of output. */
export const NEWLINE_MARK = "⏎";

/** A short, stable suffix that tells two members with the same display name apart. */
export const idSuffix = (nodeId: string): string => nodeId.slice(0, 4);

/** Names compared as a reader sees them: case and compatibility forms folded. */
const nameKey = (name: string): string => name.normalize("NFKC").toLowerCase().trim();

/**
 * The label of each member: their display name, plus "#" and the start of their node id when
 * another member of the same circle shows the same name ("alice#3f2a"), so nobody can pass
 * for someone else by taking their name. `members` maps node id to display name.
 */
export function memberLabels(members: Iterable<readonly [string, string]>): Map<string, string> {
  const byKey = new Map<string, string[]>();
  const list = [...members];
  for (const [id, name] of list) {
    const k = nameKey(name);
    const ids = byKey.get(k);
    if (ids) { if (!ids.includes(id)) ids.push(id); } else byKey.set(k, [id]);
  }
  const out = new Map<string, string>();
  for (const [id, name] of list) out.set(id, (byKey.get(nameKey(name))?.length ?? 0) > 1 ? `${name}#${idSuffix(id)}` : name);
  return out;
}

/** A channel name as shown: mixed-script names (Latin with Cyrillic or Greek look-alikes) are marked, not hidden. */
export const channelLabel = (channelId: string): string => (isMixedScript(channelId) ? `${channelId} (mixed scripts)` : channelId);
