// Notification settings (issue 16): per channel all / mentions / none, muted circles, keywords
// per circle. What a message from another member raises under them (an unread badge, a mention:
// its count and a desktop notification). Kept by the node (local API, its settings table) or
// by the relay-only browser (localStorage); checked the same way on both.
import { FelundError } from "../protocol/errors.ts";

export type NotifyLevel = "all" | "mentions" | "none";
export const NOTIFY_LEVELS: readonly NotifyLevel[] = ["all", "mentions", "none"];

export interface NotifyPrefs {
  /** by "circleId/channelId"; absent: "all" */
  levels: Record<string, NotifyLevel>;
  /** circles muted as a whole: no unread badges; mentions (and keywords) still count */
  muted: string[];
  /** by circleId: words that count as a mention (case-insensitive) */
  keywords: Record<string, string[]>;
}

export const emptyPrefs = (): NotifyPrefs => ({ levels: {}, muted: [], keywords: {} });

/** bounds of a stored settings object (it is read on every message) */
export const PREFS_KEYS_MAX = 1000;
export const KEYWORDS_MAX = 50;
export const KEYWORD_CHARS_MAX = 64;

const bad = (why: string) => new FelundError("E_INVALID", `invalid input: ${why}`);
const isObj = (x: unknown): x is Record<string, unknown> => !!x && typeof x === "object" && !Array.isArray(x);

/** The settings in `x`, checked (bad input is refused whole). */
export function checkPrefs(x: unknown): NotifyPrefs {
  if (!isObj(x) || !isObj(x.levels) || !Array.isArray(x.muted) || !isObj(x.keywords))
    throw bad("notification settings need levels, muted and keywords");
  const levels = Object.entries(x.levels);
  const kws = Object.entries(x.keywords);
  if (levels.length > PREFS_KEYS_MAX || x.muted.length > PREFS_KEYS_MAX || kws.length > PREFS_KEYS_MAX)
    throw bad(`at most ${PREFS_KEYS_MAX} entries`);
  for (const [k, v] of levels)
    if (k.length > 100 || !NOTIFY_LEVELS.includes(v as NotifyLevel)) throw bad("a level is all, mentions or none");
  for (const c of x.muted) if (typeof c !== "string" || c.length > 64) throw bad("muted lists circle ids");
  for (const [k, v] of kws)
    if (
      k.length > 64 ||
      !Array.isArray(v) ||
      v.length > KEYWORDS_MAX ||
      v.some((w) => typeof w !== "string" || !w.trim() || w.length > KEYWORD_CHARS_MAX)
    )
      throw bad(`keywords: at most ${KEYWORDS_MAX} words of 1-${KEYWORD_CHARS_MAX} characters`);
  return {
    levels: Object.fromEntries(levels) as Record<string, NotifyLevel>,
    muted: [...(x.muted as string[])],
    keywords: Object.fromEntries(kws) as Record<string, string[]>,
  };
}

export const levelOf = (p: NotifyPrefs, circleId: string, channelId: string): NotifyLevel =>
  p.levels[`${circleId}/${channelId}`] ?? "all";

/**
 * What a message from another member raises: `badge` (counts as unread) and `mention` (the
 * mention count and a desktop notification). "none" raises nothing; "mentions" and a muted
 * circle raise mentions (and keywords) only.
 */
export function raised(
  p: NotifyPrefs,
  m: { circleId: string; channelId: string; text: string },
  mentionsMe: boolean,
): { badge: boolean; mention: boolean } {
  const level = levelOf(p, m.circleId, m.channelId);
  if (level === "none") return { badge: false, mention: false };
  const text = m.text.toLowerCase();
  const mention = mentionsMe || (p.keywords[m.circleId] ?? []).some((w) => text.includes(w.toLowerCase()));
  return { badge: level === "all" && !p.muted.includes(m.circleId), mention };
}
