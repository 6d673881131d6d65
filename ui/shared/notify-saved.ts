// Whether this client has notification settings to follow (notify-attach.ts): the node always
// keeps some (its local API); the relay-only browser only once the user set one (localStorage).
// Without any, every message raises what the chat store raises by itself, so the web client loads
// the settings' code at start only when there are some (issue 16: features load when first used).
import type { Backend } from "./backend.ts";

export const NOTIFY_PREFS_KEY = "felund.notify-prefs";

export function notifyPrefsSaved(b: Backend): boolean {
  if (b.getNotify) return true;
  try {
    return (globalThis as { localStorage?: Storage }).localStorage?.getItem(NOTIFY_PREFS_KEY) != null;
  } catch {
    return false; // no storage: no settings either
  }
}
