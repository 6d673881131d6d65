// Channel ids (PROTOCOL-V1.md §5.1): lowercased and trimmed, 1-32 characters, letters, digits,
// '-' or '_', not starting with "__". "__control" is the control channel.
import { CHANNEL_ID_MAX } from "./limits.ts";

/** the channel of control events (never a chat channel) */
export const CONTROL_CHANNEL = "__control";
/** every circle's first channel */
export const DEFAULT_CHANNEL = "general";

const CHANNEL_RE = /^[\p{L}\p{N}_-]+$/u;

export const normalizeChannelId = (s: string): string => s.trim().toLowerCase();

export function isValidChannelId(s: string): boolean {
  return s.length > 0 && [...s].length <= CHANNEL_ID_MAX && !s.startsWith("__") && CHANNEL_RE.test(s);
}

/**
 * Letters from more than one of the Latin, Cyrillic and Greek scripts, whose look-alikes
 * ("pаypal" with a Cyrillic а) let one channel pass for another. Other mixes (Japanese kana
 * with kanji, Latin with CJK) have no such confusables and are left alone.
 */
export function isMixedScript(s: string): boolean {
  const scripts =
    (/\p{Script=Latin}/u.test(s) ? 1 : 0) +
    (/\p{Script=Cyrillic}/u.test(s) ? 1 : 0) +
    (/\p{Script=Greek}/u.test(s) ? 1 : 0);
  return scripts > 1;
}

/** Why a (normalized) name cannot be a new channel, or null when it can. Channels from peers are only marked. */
export function newChannelIdProblem(s: string): string | null {
  if (!isValidChannelId(s)) return "channel names are 1-32 letters, digits, - or _ (not starting with __)";
  if (isMixedScript(s))
    return "channel names may not mix Latin, Cyrillic and Greek letters (look-alikes of other names)";
  return null;
}

/** What may stand in a message's channel_id field. */
export const isChannelIdOrControl = (s: string): boolean => s === CONTROL_CHANNEL || isValidChannelId(s);
