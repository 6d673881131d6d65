// The status lines' "syncing history: 42,000 of 100,000" (web and TUI alike) while a circle's
// history streams in (docs/PROTOCOL.md §23): the last "fill" event, else what the state loaded.
import { fillText } from "../../src/peer/fill-progress.ts";
import type { ChatState } from "./chat-state.ts";

/** The progress line for a circle (default: the current one), "" when nothing is streaming in. */
export function syncLine(s: ChatState, circleId = s.circleId ?? ""): string {
  const told = s.fill[circleId];
  const p = told === undefined ? s.app?.circles.find((c) => c.circleId === circleId)?.fill : told;
  return p && !p.done ? fillText(p) : "";
}
