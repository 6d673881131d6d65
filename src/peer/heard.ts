// Signs of life without a session: when a message its author wrote just now arrives by the relay,
// the author is online ("recent" in src/peer/member-list.ts). Old messages (a backlog) say nothing.
import { MEMBER_RECENT_S } from "../protocol/limits.ts";

/** per circle: member -> when something fresh of theirs last arrived (unix s) */
export type Heard = Map<string, Map<string, number>>;

/** Note the authors of freshly written rows; the circles whose map changed. */
export function noteHeard(
  heard: Heard,
  rows: readonly { circleId: string; authorNodeId: string; createdTs: number }[],
  now: number,
): string[] {
  const changed = new Set<string>();
  for (const m of rows) {
    if (now - m.createdTs >= MEMBER_RECENT_S) continue;
    let map = heard.get(m.circleId);
    if (!map) heard.set(m.circleId, (map = new Map()));
    map.set(m.authorNodeId, now);
    changed.add(m.circleId);
  }
  return [...changed];
}
