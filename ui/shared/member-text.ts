// How a member of the membership model (src/peer/member-list.ts) reads, the same in /who (web
// and TUI) and the web client's member panel: online or not, by which path, last seen.
import { shortId } from "./format.ts";
import type { MemberView } from "./types.ts";

/** The path of an online member in words: "tcp v2", "relay", "recent traffic". */
export function pathLabel(m: MemberView): string {
  if (m.path === "tcp") return m.proto ? `tcp ${m.proto}` : "tcp";
  if (m.path === "recent") return "recent traffic";
  return m.path ?? "";
}

/** "just now", "5 min ago", "3 h ago", "2 d ago", "never". */
export function seenLabel(ts: number, now = Date.now() / 1000): string {
  if (!ts) return "never";
  const s = Math.max(0, now - ts);
  if (s < 60) return "just now";
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

/** What a member's state says: "you", "online via tcp v2", "offline, last seen 5 min ago". */
export function memberState(m: MemberView, now = Date.now() / 1000): string {
  if (m.you) return "you";
  if (m.online) return `online via ${pathLabel(m)}`;
  return `offline, last seen ${seenLabel(m.lastSeen, now)}`;
}

/** One line of /who: "* alice [a3f8b2] online via tcp v2" (* online, - offline). */
export const whoLine = (m: MemberView, name: string, now = Date.now() / 1000): string =>
  `${m.online ? "*" : "-"} ${name} [${shortId(m.nodeId)}] ${m.you ? "(you)" : memberState(m, now)}`;

/** The head line of /who: "3 members, 1 online". */
export function whoHead(list: readonly MemberView[]): string {
  const online = list.filter((m) => m.online && !m.you).length;
  return `${list.length} member${list.length === 1 ? "" : "s"}, ${online} online`;
}
