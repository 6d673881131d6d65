// The node's side of the membership model (src/peer/member-list.ts): what it knows of presence
// in each circle (live v2 sessions, the relay's presence list, messages the relay brought) and a
// "members" event to the front ends whenever who is online changes: a session opens or closes,
// the relay's list changes, or someone's recent traffic grows old (checked every few seconds).
import { type MemberView, memberList, onlineCount, type Presence } from "../peer/member-list.ts";
import type { Arrival } from "../peer/fan-out.ts";
import { type Heard, noteHeard } from "../peer/heard.ts";
import type { StoredMessage } from "../sync/store.ts";
import type { ShellPorts } from "./shell-ports.ts";

/** How often online states that expire by time (recent traffic, a stale relay list) are checked. */
const CHECK_MS = 5_000;

export interface MemberHost extends Pick<ShellPorts, "store" | "now" | "emit"> {
  me(): { nodeId: string; displayName: string };
  /** peers with a live v2 session in the circle */
  sessionPeers(circleId: string): string[];
  /** members the circle's relay lists as present now */
  relayPresent(circleId: string): { nodeId: string; seen: number }[];
}

export class NodeMembers {
  /** per circle: member -> when the relay last brought something of theirs (unix s) */
  private heard: Heard = new Map();
  /** per circle: member -> when last online (the model's memory of last seen) */
  private seen: Heard = new Map();
  /** per circle: the online set last announced */
  private last = new Map<string, string>();
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(private h: MemberHost) {}

  start(): void {
    this.timer ??= setInterval(() => {
      // sessions and relay lists announce themselves: what only time changes is recent traffic, a relay list
      // gone stale, a v1 peer's last exchange (legacy circles)
      for (const c of this.h.store.listCircles())
        if (c.mode !== "v2" || /:(recent|relay)/.test(this.last.get(c.circleId) ?? "")) this.check(c.circleId);
    }, CHECK_MS);
  }
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  presence(circleId: string): Presence {
    return {
      now: this.h.now(),
      live: this.h.sessionPeers(circleId),
      relay: this.h.relayPresent(circleId),
      heard: this.heard.get(circleId) ?? new Map(),
      seen: this.seen.get(circleId) ?? this.seen.set(circleId, new Map()).get(circleId),
    };
  }

  list(circleId: string): MemberView[] {
    return memberList(this.h.store, circleId, this.h.me(), this.presence(circleId));
  }

  /** Messages stored here: what the relay brought is a sign of life of its authors. */
  arrived(ms: readonly StoredMessage[], from: Arrival): void {
    if (from.path !== "relay") return;
    for (const c of noteHeard(this.heard, ms, this.h.now())) this.check(c);
  }

  /** Announce a change of who is online in a circle (once per change). */
  check(circleId: string): void {
    if (!this.h.store.getCircle(circleId)) {
      this.last.delete(circleId);
      return;
    }
    const list = this.list(circleId);
    const key = list
      .filter((m) => m.online && !m.you)
      .map((m) => `${m.nodeId}:${m.path}`)
      .join(",");
    if (this.last.get(circleId) === key) return;
    const first = !this.last.has(circleId);
    this.last.set(circleId, key);
    if (!first || onlineCount(list)) this.h.emit({ t: "members", circleId });
  }
}
