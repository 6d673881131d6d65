// What a user may do to one message from a front end's menu (the web client's hover actions,
// issue 16): reply, react, edit, delete, pin, copy, by the rules the peer enforces
// (src/peer/refs-actions.ts, src/peer/pins.ts; docs/PROTOCOL.md §18, §19). The actions
// themselves are the ones the slash commands run (ref-commands.ts, pins.ts).
import type { ChatStore } from "./chat-store.ts";
import { isAttachmentRow } from "./attach-commands.ts";
import { isDm } from "./chat-store.ts";
import { parseInline } from "./format.ts";
import type { MessageView } from "./types.ts";

export interface MessageActions {
  reply: boolean;
  /** v2 circles only: original clients cannot see reactions */
  react: boolean;
  /** the author's own */
  edit: boolean;
  /** the author's own, or any as the circle owner */
  delete: boolean;
  /** v2 circles: the circle owner, or the owner of a key/invite channel */
  pin: boolean;
  copy: boolean;
}

const NONE: MessageActions = { reply: false, react: false, edit: false, delete: false, pin: false, copy: false };

/** The actions `m` offers this user (none for a deleted message, a timeline line or one not in a chat channel; Copy in a direct message). */
export function messageActions(store: ChatStore, m: MessageView): MessageActions {
  const c = store.state.app?.circles.find((x) => x.circleId === m.circleId);
  if (!c || m.deleted || m.event || m.channelId === "__control" || (m.kind ?? 0) >= 4) return NONE;
  // a direct message takes no refs (its channel id is not one a ref may name): copy only
  if (isDm(m.channelId)) return { ...NONE, copy: m.text !== "" };
  const ch = c.channels.find((x) => x.channelId === m.channelId);
  const me = store.state.app?.node.nodeId;
  return {
    reply: true,
    react: !c.legacy,
    // an attachment's text is its label: editing it would hide the file (the peer refuses it too)
    edit: m.own && !isAttachmentRow(m),
    delete: m.own || c.owned,
    pin: !c.legacy && (c.owned || (!!ch && ch.accessMode !== "public" && ch.createdBy === me)),
    copy: m.text !== "",
  };
}

/** The message ↑ in an empty composer edits: this user's last one in the open channel that can still be edited. */
export function lastEditable(store: ChatStore): MessageView | undefined {
  return store.currentMessages.findLast((m) => messageActions(store, m).edit);
}

/** "Alice: first line" as a reply's composer and quote show it (the first line, cut at 80 characters). */
/**
 * A line of inline markdown as the reader sees it, without its markers (a reply's quoted line;
 * here, not in format.ts, so that it stays out of the web client's first load).
 */
export const plainInline = (text: string): string =>
  parseInline(text)
    .map((t) => t.text)
    .join("");

export function quoteLine(store: ChatStore, m: MessageView): string {
  const line = plainInline(m.text.split("\n")[0]!).trim(); // as the reader sees it, without markdown markers
  return `${store.authorName(m)}: ${line.length > 80 ? `${line.slice(0, 79)}…` : line}`;
}
