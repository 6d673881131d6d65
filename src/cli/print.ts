// Human-readable output of the one-shot commands. Everything interpolated into a line may
// come from a peer (names, message text, circle names, addresses), so `line` makes each value
// inert (ui/shared/safe-text.ts): no escape sequence reaches the terminal and a newline inside
// a value shows as "⏎". --json output does not pass through here: it stays exact.
import type { NodeEvent } from "../node/shell-ports.ts";
import { type FillView, fillText } from "../peer/fill-progress.ts";
import { inertText, NEWLINE_MARK } from "../../ui/shared/safe-text.ts";

/** A tagged template: the literal parts as written, every value made inert. */
export function line(parts: TemplateStringsArray, ...values: unknown[]): string {
  let s = parts[0]!;
  values.forEach((v, i) => {
    s += inertText(String(v), NEWLINE_MARK) + parts[i + 1]!;
  });
  return s;
}

/** One value made inert, for building a line piecewise. */
export const inert = (v: unknown): string => inertText(String(v), NEWLINE_MARK);

export const out = (s: string): void => console.log(s);

/**
 * `felund join`'s progress while a history streams in (docs/PROTOCOL.md §23): "syncing history:
 * 42,000 of 100,000" at the start, at every tenth of it and at the end; a node event listener.
 */
export function fillPrinter(print: (s: string) => void): (e: NodeEvent) => void {
  let shown = -1;
  return (e) => {
    if (e.t !== "fill") return;
    const p: FillView = e;
    const tenth = p.total ? Math.floor((10 * Math.min(p.got, p.total)) / p.total) : 10;
    if (!p.done && tenth === shown) return;
    shown = tenth;
    print(p.done && p.got < p.total ? `${fillText(p)} (the rest follows on the next sync)` : fillText(p));
  };
}
