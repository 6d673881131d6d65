// "Alice is typing…" under the message log (ui/shared/typing.ts makes the line, from the store's
// typing state): a chunk loaded the first time someone types in an open channel (app.tsx).
import { typingLine } from "../../../shared/typing-line.ts";
import { useApp } from "../app-store.ts";

export function TypingLine() {
  const app = useApp();
  return (
    <div
      class="input-note"
      style={{ "text-align": "left", "font-style": "italic" }}
      data-testid="typing"
      role="status"
      aria-live="polite"
    >
      {(app.state(), typingLine(app.core))}
    </div>
  );
}
