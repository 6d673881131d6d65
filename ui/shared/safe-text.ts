// Showing text that came from peers (messages, display names, circle names) without letting
// it act on the screen: one sanitizer for the TUI and the CLI (the web UI renders DOM text,
// which is inert already), and the labels that keep look-alike names apart in all three.
import { isMixedScript } from "../../src/protocol/channel-id.ts";

export { inertText, NEWLINE_MARK } from "../../src/protocol/inert-text.ts";

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
    if (ids) {
      if (!ids.includes(id)) ids.push(id);
    } else byKey.set(k, [id]);
  }
  const out = new Map<string, string>();
  for (const [id, name] of list)
    out.set(id, (byKey.get(nameKey(name))?.length ?? 0) > 1 ? `${name}#${idSuffix(id)}` : name);
  return out;
}

/** A channel name as shown: mixed-script names (Latin with Cyrillic or Greek look-alikes) are marked, not hidden. */
export const channelLabel = (channelId: string): string =>
  isMixedScript(channelId) ? `${channelId} (mixed scripts)` : channelId;
