// Channel ids (PROTOCOL-V1.md §5.1): lowercased and trimmed, 1-32 characters, letters, digits,
// '-' or '_', not starting with "__". "__control" is the control channel.
import { CHANNEL_ID_MAX } from "./limits.ts";

const CHANNEL_RE = /^[\p{L}\p{N}_-]+$/u;

export const normalizeChannelId = (s: string): string => s.trim().toLowerCase();

export function isValidChannelId(s: string): boolean {
  return s.length > 0 && [...s].length <= CHANNEL_ID_MAX && !s.startsWith("__") && CHANNEL_RE.test(s);
}

/** What may stand in a message's channel_id field. */
export const isChannelIdOrControl = (s: string): boolean => s === "__control" || isValidChannelId(s);
