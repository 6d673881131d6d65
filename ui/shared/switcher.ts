// The quick switcher of both front ends: every circle and channel in sidebar order, a fuzzy
// filter over them (Ctrl+K), and the channel before or after the active one across circles
// (Alt+↑ / Alt+↓). Names come from peers: each UI shows them as it shows any peer text.
import { shortId } from "./format.ts";
import type { CircleView } from "./types.ts";

export interface SwitchTarget {
  circleId: string;
  /** undefined: the circle itself (its default channel) */
  channelId?: string;
  /** the circle's name (or the start of its id) */
  circle: string;
  /** what the filter matches: "circle" or "circle #channel" */
  label: string;
}

/** Every circle, then its channels, in the order the sidebar lists them. */
export function switchTargets(circles: CircleView[]): SwitchTarget[] {
  const out: SwitchTarget[] = [];
  for (const c of circles) {
    const circle = c.name || shortId(c.circleId);
    out.push({ circleId: c.circleId, circle, label: circle });
    for (const ch of c.channels)
      out.push({ circleId: c.circleId, channelId: ch.channelId, circle, label: `${circle} #${ch.channelId}` });
  }
  return out;
}

/**
 * How well `query` matches `text` as a subsequence, case-insensitively (-1: not at all).
 * Letters in a row, at the start of a word or after "#", score more; a shorter text breaks ties.
 * Spaces in the query are ignored, so "fr gen" finds "friends #general".
 */
export function fuzzyScore(query: string, text: string): number {
  const q = query.toLowerCase().replace(/\s+/g, "");
  const t = text.toLowerCase();
  let score = 0;
  let at = -1;
  for (const ch of q) {
    const i = t.indexOf(ch, at + 1);
    if (i < 0) return -1;
    score += i === at + 1 ? 3 : 1;
    if (i === 0 || /[\s#_-]/.test(t[i - 1]!)) score += 2;
    at = i;
  }
  return score * 1000 - t.length;
}

export const SWITCH_MAX = 12;

/** The targets `query` matches, best first (sidebar order for an empty query). */
export function quickSwitch(query: string, targets: SwitchTarget[], max = SWITCH_MAX): SwitchTarget[] {
  if (!query.trim()) return targets.slice(0, max);
  return targets
    .map((t, i) => ({ t, i, s: fuzzyScore(query, t.label) }))
    .filter((x) => x.s >= 0)
    .sort((a, b) => b.s - a.s || a.i - b.i)
    .slice(0, max)
    .map((x) => x.t);
}

/** The channel after (`dir` 1) or before (-1) the active one in sidebar order, round the end; null when there is none. */
export function adjacentChannel(
  circles: CircleView[],
  circleId: string | null | undefined,
  channelId: string,
  dir: 1 | -1,
): { circleId: string; channelId: string } | null {
  const all = circles.flatMap((c) => c.channels.map((ch) => ({ circleId: c.circleId, channelId: ch.channelId })));
  if (!all.length) return null;
  const i = all.findIndex((x) => x.circleId === circleId && x.channelId === channelId);
  const next = all[((((i < 0 ? (dir > 0 ? -1 : 0) : i) + dir) % all.length) + all.length) % all.length]!;
  return i >= 0 && all.length === 1 ? null : next;
}
