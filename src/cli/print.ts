// Human-readable output of the one-shot commands. Everything interpolated into a line may
// come from a peer (names, message text, circle names, addresses), so `line` makes each value
// inert (ui/shared/safe-text.ts): no escape sequence reaches the terminal and a newline inside
// a value shows as "⏎". --json output does not pass through here: it stays exact.
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
