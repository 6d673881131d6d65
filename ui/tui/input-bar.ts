// The "> " input bar's editing helpers: Tab completion with its candidate hint, and ↑/↓
// history of sent lines (the line being typed is kept as a draft).
import type { InputRenderable } from "@opentui/core";
import { Completer, type CompletionSource } from "../shared/completion.ts";

const HISTORY_MAX = 200;

export class InputBar {
  private completer = new Completer();
  private history: string[] = [];
  private histIdx = -1;
  private draft = "";
  private setting = false;

  /** `hint` shows completion candidates (null: the default key hints). */
  constructor(
    readonly input: InputRenderable,
    private hint: (text: string | null) => void,
  ) {
    input.on("input", () => {
      if (this.setting) return;
      this.completer.reset();
      this.hint(null);
    });
  }

  get value(): string {
    return this.input.value;
  }

  /** Replace the text without counting it as typing (keeps a completion cycle going). */
  set(value: string): void {
    this.setting = true;
    try {
      this.input.value = value;
    } finally {
      this.setting = false;
    }
  }

  /** A line went through: keep it in the ↑ history. */
  remember(line: string): void {
    if (line.trim() && this.history.at(-1) !== line) this.history.push(line);
    if (this.history.length > HISTORY_MAX) this.history.shift();
    this.histIdx = -1;
    this.reset();
  }

  reset(): void {
    this.completer.reset();
    this.hint(null);
  }

  complete(src: CompletionSource): void {
    const r = this.completer.complete(this.input.value, src);
    if (!r) return this.hint(" no completion ");
    this.set(r.value);
    this.hint(r.candidates.length > 1 ? ` ${r.candidates.join("  ")} ` : null);
  }

  /** ↑ (-1) / ↓ (+1) through the history. */
  step(dir: -1 | 1): void {
    if (!this.history.length) return;
    if (this.histIdx === -1) {
      if (dir === 1) return;
      this.draft = this.input.value;
      this.histIdx = this.history.length - 1;
    } else {
      this.histIdx = Math.max(0, this.histIdx + dir);
      if (this.histIdx >= this.history.length) {
        this.histIdx = -1;
        return this.set(this.draft);
      }
    }
    this.set(this.history[this.histIdx]!);
  }
}
