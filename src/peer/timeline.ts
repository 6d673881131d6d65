// Timeline events (issue 16): joins, channel joins and leaves, kicks, renames and new channels
// (a circle is left silently: no event says so), derived from the
// control rows a circle already stores (signed v2 events, v1 CHANNEL_EVT / CIRCLE_NAME_EVT), so
// nothing is stored twice. The front ends show them as quiet lines among the messages.
import type { ControlEvent } from "../protocol/control.ts";
import { fromBase64 } from "../protocol/bytes.ts";
import { CIRCLE_NAME_MAX, DISPLAY_NAME_MAX } from "../protocol/limits.ts";
import { CONTROL_CHANNEL, DEFAULT_CHANNEL } from "../protocol/channel-id.ts";
import { decodeEvent } from "../protocol/v2/control.ts";
import { decodeMessage, KIND_CONTROL } from "../protocol/v2/message.ts";
import { nodeIdOf } from "../protocol/v2/keys.ts";
import { fromHex } from "../protocol/bytes.ts";
import type { OrderKey, StoredMessage, SyncStoreV2 } from "../sync/store.ts";

/** Legacy circles' v1 control rows are read with this (parseControlEvent of src/protocol/control.ts):
 * set by the node at start and by the relay-only browser's legacy chunk, so v2-only browsers do not load it. */
let parseV1: ((text: string) => ControlEvent | null) | null = null;
export const useV1ControlParser = (f: (text: string) => ControlEvent | null): void => {
  parseV1 = f;
};

export type TimelineKind =
  | "created"
  | "join"
  | "kick"
  | "rename"
  | "circle_name"
  | "channel_create"
  | "channel_join"
  | "channel_leave";

export interface TimelineEvent {
  kind: TimelineKind;
  /** the channel whose log shows it: #general for circle-wide events */
  channelId: string;
  /** the member it is about (the signer; for v1 renames the event's node) */
  actor: string;
  /** the new name (display name, circle name) or the channel created/joined/left */
  name?: string;
  /** rename: the name before */
  from?: string;
  /** kick: the members removed */
  targets?: string[];
}

/** Control rows are few (cards, channels, names, re-keys); read them in pages of this size. */
const CONTROL_PAGE = 500;

/** Every control row of a circle, in display order. */
export function controlRows(store: SyncStoreV2, circleId: string): StoredMessage[] {
  const out: StoredMessage[][] = [];
  let before: OrderKey | undefined;
  for (;;) {
    const page = store.channelMessages(circleId, CONTROL_CHANNEL, { limit: CONTROL_PAGE, before });
    out.unshift(page);
    if (page.length < CONTROL_PAGE) break;
    before = { sortMs: page[0]!.sortMs, seq: page[0]!.seq };
  }
  return out.flat();
}

/** A timeline event and the line it reads as. */
export interface TimelineLine {
  event: TimelineEvent;
  text: string;
}

/** Every timeline event of a circle, with its line, by the msg_id of the control row it comes from, in display order. */
export function circleTimeline(store: SyncStoreV2, circleId: string): Map<string, TimelineLine> {
  const out = new Map<string, TimelineLine>();
  for (const [id, event] of circleEvents(store, circleId)) out.set(id, { event, text: timelineText(store, event) });
  return out;
}

function circleEvents(store: SyncStoreV2, circleId: string): Map<string, TimelineEvent> {
  const events = new Map<string, TimelineEvent>();
  const names = new Map<string, string>();
  const owner = store.getCircleOwner(circleId);
  const ownerId = owner ? nodeIdOf(fromHex(owner)) : "";
  let circleName = "";
  const put = (m: StoredMessage, e: TimelineEvent) => events.set(m.msgId, e);
  const renamed = (m: StoredMessage, actor: string, raw: string) => {
    const name = raw.trim().slice(0, DISPLAY_NAME_MAX);
    const from = names.get(actor);
    if (!name) return;
    names.set(actor, name);
    if (from === undefined)
      put(m, { kind: actor === ownerId ? "created" : "join", channelId: DEFAULT_CHANNEL, actor, name });
    else if (from !== name) put(m, { kind: "rename", channelId: DEFAULT_CHANNEL, actor, name, from });
  };
  const circleRenamed = (m: StoredMessage, actor: string, raw: string) => {
    const name = raw.trim().slice(0, CIRCLE_NAME_MAX);
    if (name && name !== circleName && circleName)
      put(m, { kind: "circle_name", channelId: DEFAULT_CHANNEL, actor, name });
    if (name) circleName = name;
  };
  for (const m of controlRows(store, circleId)) {
    const wire = store.getV2Wire(m.msgId);
    if (wire) {
      let e: ReturnType<typeof decodeEvent>;
      try {
        const sm = decodeMessage(fromBase64(wire));
        if (sm.kind !== KIND_CONTROL) continue;
        e = decodeEvent(sm.body);
      } catch {
        continue; // stored rows were checked on arrival; an unreadable one shows nothing
      }
      const actor = m.authorNodeId;
      switch (e.t) {
        case "card":
          renamed(m, actor, e.displayName);
          break;
        case "rename":
          renamed(m, actor, e.displayName);
          break;
        case "circle_name":
          circleRenamed(m, actor, e.name);
          break;
        case "rekey":
          if (e.removed.length) put(m, { kind: "kick", channelId: DEFAULT_CHANNEL, actor, targets: [...e.removed] });
          break;
        case "channel_create":
          put(m, { kind: "channel_create", channelId: DEFAULT_CHANNEL, actor, name: e.channelId });
          break;
        case "channel_join":
          put(m, { kind: "channel_join", channelId: e.channelId, actor, name: e.channelId });
          break;
        case "channel_leave":
          put(m, { kind: "channel_leave", channelId: e.channelId, actor, name: e.channelId });
          break;
      }
      continue;
    }
    const e = parseV1?.(m.text) ?? null;
    if (e?.t === "CIRCLE_NAME_EVT") circleRenamed(m, m.authorNodeId, e.name);
    if (e?.t !== "CHANNEL_EVT") continue;
    if (e.op === "rename" && e.nodeId) renamed(m, e.nodeId, e.displayName);
    else if (e.op === "create" && e.channelId !== DEFAULT_CHANNEL)
      put(m, {
        kind: "channel_create",
        channelId: DEFAULT_CHANNEL,
        actor: e.actorNodeId || e.createdBy,
        name: e.channelId,
      });
    else if ((e.op === "join" || e.op === "leave") && e.nodeId && e.channelId && e.channelId !== DEFAULT_CHANNEL)
      put(m, {
        kind: e.op === "join" ? "channel_join" : "channel_leave",
        channelId: e.channelId,
        actor: e.nodeId,
        name: e.channelId,
      });
  }
  return events;
}

/** The line an event reads as, with the names this store knows now ("Bob joined"). */
export function timelineText(store: SyncStoreV2, e: TimelineEvent): string {
  const nameOf = (id: string) => store.getDisplayName(id) || id.slice(0, 8);
  const who = e.kind === "join" && !store.getDisplayName(e.actor) && e.name ? e.name : nameOf(e.actor);
  switch (e.kind) {
    case "created":
      return `${who} created the circle`;
    case "join":
      return `${who} joined`;
    case "kick":
      return `${who} removed ${(e.targets ?? []).map(nameOf).join(", ")} from the circle`;
    case "rename":
      return `${e.from ?? who} is now ${e.name}`;
    case "circle_name":
      return `${who} renamed the circle to ${e.name}`;
    case "channel_create":
      return `${who} created #${e.name}`;
    case "channel_join":
      return `${who} joined #${e.name}`;
    case "channel_leave":
      return `${who} left #${e.name}`;
  }
}

const before = (a: OrderKey, b: OrderKey) => a.sortMs < b.sortMs || (a.sortMs === b.sortMs && a.seq < b.seq);

/**
 * A page of a channel's log: its messages (as store.channelMessages) and the timeline events
 * that fall among them: after the page's first message (or anywhere earlier when the page is the
 * channel's beginning) and before `opts.before`.
 */
export function channelLog(
  store: SyncStoreV2,
  circleId: string,
  channelId: string,
  opts: { limit: number; before?: OrderKey },
): { messages: StoredMessage[]; events: Map<string, TimelineLine> } {
  const messages = store.channelMessages(circleId, channelId, opts);
  const all = circleTimeline(store, circleId);
  const ids = [...all].filter(([, l]) => l.event.channelId === channelId).map(([id]) => id);
  const floor = messages.length >= opts.limit ? messages[0] : undefined;
  const events = new Map<string, TimelineLine>();
  const rows = ids.length ? store.getMessages(circleId, ids) : [];
  for (const r of rows) {
    if (opts.before && !before(r, opts.before)) continue;
    if (floor && before(r, floor)) continue;
    events.set(r.msgId, all.get(r.msgId)!);
    messages.push(r);
  }
  messages.sort((a, b) => a.sortMs - b.sortMs || a.seq - b.seq);
  return { messages, events };
}
