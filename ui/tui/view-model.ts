// What each pane shows, as plain functions of the ChatStore state: the header line, the
// sidebar of circles and channels, and the log (messages, notices, day separators). The
// renderables in frame.ts only put these chunks on screen, so tests can check them directly.
import type { TextChunk } from "@opentui/core";
import type { ChatState, ChatStore } from "../shared/chat-store.ts";
import { keyOf } from "../shared/chat-store.ts";
import { syncLine } from "../shared/fill-line.ts";
import { dayKey, dayLabel, shortId } from "../shared/format.ts";
import { activeChannel, isLocked, joinHow, lockedText } from "../shared/locked.ts";
import { channelLabel } from "../shared/safe-text.ts";
import { typingLine } from "../shared/typing-line.ts";
import type { MessageView } from "../shared/types.ts";
import type { Delivery } from "../../src/peer/delivery.ts";
import { chunk, clean, dayChunks, fit, messageChunks, newLineChunks, noticeChunks, timelineChunks } from "./markup.ts";
import { theme } from "./theme.ts";
import { callsIn } from "../shared/calls-view.ts";

/** One log item; `indent` is the hanging indent of its wrapped lines. */
export interface LogEntry {
  key: string;
  chunks: TextChunk[];
  indent: number;
}

export const OFFLINE_BANNER = "offline — messages will be sent when a member is reachable";

/** The mark after an own message: ◷ pending, ✓ sent (held by a member or the relay; /info says who). */
const deliveryMark = (d: Delivery): TextChunk =>
  d.state === "sent" ? chunk(" ✓", { fg: theme.live }) : chunk(" ◷", { fg: theme.dim });

const CONNECTION_COLOR = { live: theme.live, connecting: theme.connecting, offline: theme.offline } as const;

/** `node: a3f8b2 | mygroup #general | 2 online | live | call #general: alice, bob | bob is typing…` */
export function headerChunks(store: ChatStore): TextChunk[] {
  const s = store.state;
  const node = s.app?.node;
  const sep = chunk(" | ", { fg: theme.dim });
  const out: TextChunk[] = [
    chunk("node: ", { fg: theme.dim }),
    chunk(node ? shortId(node.nodeId) : "……", { bold: true }),
  ];
  if (node?.displayName) out.push(chunk(` (${clean(node.displayName, false)})`, { fg: theme.dim }));
  out.push(sep);
  const c = store.circle;
  if (c) {
    if (c.name) out.push(chunk(clean(c.name, false) + " ", { fg: theme.dim }));
    out.push(chunk(clean(store.title(), false), { fg: theme.accent, bold: true }));
  } else out.push(chunk("no circle", { fg: theme.dim }));
  out.push(
    sep,
    chunk(`${store.onlineCount()} online`),
    sep,
    chunk(s.connection, { fg: CONNECTION_COLOR[s.connection] }),
  );
  // a history streaming in (§23): the newest messages are here, older ones still arriving
  const filling = syncLine(s);
  if (filling) out.push(sep, chunk(filling, { fg: theme.connecting }));
  // calls in progress in this circle (audio needs the web UI; /call list says more)
  const calls = callsIn(store);
  if (calls.length) {
    const c0 = calls[0]!;
    const names = c0.participants.map((id) => clean(store.nameOf(id), false)).join(", ");
    const v = c0.viewers?.length ?? 0;
    const watching = v ? ` (${c0.participants.length}p+${v}v watching)` : "";
    out.push(
      sep,
      chunk(`call #${c0.channelId}: ${names}${watching}${calls.length > 1 ? ` (+${calls.length - 1} more)` : ""}`, {
        fg: theme.mention,
        bold: true,
      }),
    );
  }
  // who types in the open channel (ui/shared/typing.ts): "alice is typing…"
  const typing = typingLine(store);
  if (typing) out.push(sep, chunk(clean(typing, false), { fg: theme.dim, italic: true }));
  if (s.debugOn) out.push(sep, chunk("debug", { fg: theme.active }));
  return out;
}

/** A sidebar row and what clicking it selects. */
export interface SidebarLine {
  chunks: TextChunk[];
  target?: { circleId: string; channelId?: string };
}

/** Sidebar lines: "Circles", a rule, then each circle (● active) with its channels (← active). */
export function sidebarLines(s: ChatState, width: number): SidebarLine[] {
  const lines: SidebarLine[] = [
    { chunks: [chunk("Circles", { bold: true })] },
    { chunks: [chunk("─".repeat(Math.max(0, width)), { fg: theme.border })] },
  ];
  const circles = s.app?.circles ?? [];
  if (!circles.length) lines.push({ chunks: [chunk(fit("(none yet)", width), { fg: theme.dim })] });
  for (const c of circles) {
    const active = c.circleId === s.circleId;
    const name = clean(c.name, false) || shortId(c.circleId);
    lines.push({
      chunks: [chunk(fit(`${active ? "●" : "○"} ${name}`, width), active ? { bold: true } : { fg: theme.dim })],
      target: { circleId: c.circleId },
    });
    // channels, then the circle's direct messages as "@name" (loaded by /dm, /dms or a DM arriving)
    const dms = (s.dms[c.circleId] ?? []).map((d) => ({
      channelId: d.channelId,
      joined: true,
      label: `@${clean(d.name, false) || shortId(d.nodeId)}`,
    }));
    for (const ch of [...c.channels.map((x) => ({ ...x, label: `#${channelLabel(x.channelId)}` })), ...dms]) {
      const k = keyOf(c.circleId, ch.channelId);
      const here = active && ch.channelId === s.channelId;
      const unread = s.unread[k] ?? 0;
      const mentioned = s.mentioned[k] ?? 0;
      const mark = here ? " ←" : mentioned ? ` @${mentioned}` : unread ? ` (${unread})` : "";
      const label = fit(ch.label, width - 2 - mark.length);
      const style = here
        ? { fg: theme.active, bold: true }
        : mentioned
          ? { fg: theme.mention, bold: true }
          : unread
            ? { fg: theme.unread, bold: true }
            : ch.joined
              ? {}
              : { fg: theme.dim };
      lines.push({
        chunks: [chunk("  " + label, style), chunk(mark, here ? { fg: theme.active, bold: true } : style)],
        target: { circleId: c.circleId, channelId: ch.channelId },
      });
    }
  }
  return lines;
}

/** The active channel's log: messages and notices in time order, with day separators; `found` (a /jump) is marked ▶. */
export function logEntries(store: ChatStore, now = Date.now() / 1000, found?: string): LogEntry[] {
  const s = store.state;
  const me = s.app?.node.displayName;
  const selfNames = me ? [me] : [];
  const names = store.knownNames();
  const ch = activeChannel(store);
  // a locked channel: one line about its messages, never their (unreadable) bodies
  const locked = isLocked(ch)
    ? lockedText(ch, store.currentMessages.filter((m) => !m.event).length, s.hasMore[store.currentKey])
    : "";
  const msgs: MessageView[] = locked ? [] : store.currentMessages;
  const out: LogEntry[] = [];
  const k = store.currentKey;
  if (k && s.hasMore[k] && !locked)
    out.push({ key: "more", indent: 0, chunks: [chunk("── PgUp for older messages ──", { fg: theme.dim })] });
  if (locked && ch)
    out.push({ key: `locked:${locked}`, indent: 0, chunks: [chunk(`${locked} To ${joinHow(ch)}`, { fg: theme.dim })] });
  else if (k && !msgs.length && s.ready)
    out.push({
      key: `empty:${k}`,
      indent: 0,
      chunks: [chunk(`No messages in ${clean(store.title(), false)} yet. Say hello!`, { fg: theme.dim })],
    });
  let ni = 0;
  const notices = store.noticesIn();
  const newFrom = k ? s.newFrom[k] : "";
  let day = "";
  for (const m of msgs) {
    while (ni < notices.length && notices[ni]!.ts < m.sortTs) {
      const n = notices[ni++]!;
      out.push({ key: `n${n.id}`, indent: 4, chunks: noticeChunks(n) });
    }
    const d = dayKey(m.createdTs);
    if (d !== day) {
      if (day || d !== dayKey(now)) {
        const label = dayLabel(m.createdTs, now);
        out.push({ key: `d${d}:${label}`, indent: 0, chunks: dayChunks(label) });
      }
      day = d;
    }
    if (newFrom && m.msgId === newFrom) out.push({ key: "new", indent: 0, chunks: newLineChunks() });
    if (m.event) {
      const text = clean(m.text, false);
      out.push({ key: `e${m.msgId}:${text}`, indent: 8, chunks: timelineChunks(m.createdTs, text) });
      continue;
    }
    const chunks = messageChunks(m, selfNames, store.authorName(m), names);
    if (m.delivery) chunks.push(deliveryMark(m.delivery));
    if (m.msgId === found) chunks.unshift(chunk("▶ ", { fg: theme.active, bold: true }));
    // a reaction, edit or delete changes the line: a new key, so it is drawn again
    const refs = m.edited || m.reactions || m.deleted ? `:${m.text}:${m.deleted}:${JSON.stringify(m.reactions)}` : "";
    const key = (m.delivery ? `${m.msgId}:${m.delivery.state}` : m.msgId) + refs;
    out.push({ key: m.msgId === found ? `${key}:found` : key, indent: 8, chunks });
  }
  while (ni < notices.length) {
    const n = notices[ni++]!;
    out.push({ key: `n${n.id}`, indent: 4, chunks: noticeChunks(n) });
  }
  // no live path to another member: said last, above the input, until one comes back
  if (store.offline())
    out.push({ key: "offline", indent: 0, chunks: [chunk(OFFLINE_BANNER, { fg: theme.offline, bold: true })] });
  return out;
}

/** Join entries into one chunk list, one entry per line. */
export function joinLines(lines: TextChunk[][]): TextChunk[] {
  const out: TextChunk[] = [];
  lines.forEach((l, i) => {
    if (i) out.push(chunk("\n"));
    out.push(...l);
  });
  return out;
}
