// Ctrl+K in the terminal: a dialog with one field that finds a circle or channel by a few
// letters of its name (ui/shared/switcher.ts, the web client's quick switcher too); ↑/↓
// choose, Enter goes there, Esc closes. Alt+↑/↓ (app.ts) steps through channels without it.
import type { CliRenderer, KeyEvent, TextChunk } from "@opentui/core";
import { quickSwitch, type SwitchTarget, switchTargets } from "../shared/switcher.ts";
import type { CircleView } from "../shared/types.ts";
import { channelLabel } from "../shared/safe-text.ts";
import { chunk, clean, fit } from "./markup.ts";
import { Modal } from "./modal.ts";
import { theme } from "./theme.ts";

export class QuickSwitch {
  private readonly m: Modal;
  private readonly targets: SwitchTarget[];
  private found: SwitchTarget[] = [];
  private sel = 0;

  constructor(
    r: CliRenderer,
    circles: CircleView[],
    /** Enter on a target (the dialog is closed first) */
    private go: (t: SwitchTarget) => void,
    private onClose: () => void,
  ) {
    this.targets = switchTargets(circles);
    this.m = new Modal(r, {
      title: "go to",
      width: 64,
      lines: (w) => this.lines(w),
      fields: [{ label: "Name", value: "", placeholder: "circle or #channel", maxLength: 80 }],
      footer: "↑/↓ choose · Enter go · Esc close",
    });
    this.m.inputs[0]!.on("input", () => this.filter());
    this.filter();
  }

  private filter(): void {
    this.found = quickSwitch(this.m.values[0] ?? "", this.targets);
    this.sel = 0;
    this.m.setLines((w) => this.lines(w));
  }

  private lines(width: number): TextChunk[][] {
    if (!this.found.length) return [[chunk("nothing matches", { fg: theme.dim })]];
    return this.found.map((t, i) => {
      const on = i === this.sel;
      const name = t.channelId ? `#${channelLabel(t.channelId)}` : t.circle;
      const where = t.channelId ? `  ${t.circle}` : "  (circle)";
      return [
        chunk((on ? "▸ " : "  ") + fit(clean(name, false), width - 4), {
          fg: on ? theme.active : theme.text,
          bold: on,
        }),
        chunk(fit(clean(where, false), Math.max(0, width - 2 - Bun.stringWidth(name))), { fg: theme.dim }),
      ];
    });
  }

  /** Keys while it is open (all of them stop here; typing goes to its field). */
  key(k: KeyEvent): void {
    const n = this.found.length;
    if (k.name === "escape") {
      k.preventDefault();
      return this.close();
    }
    if ((k.name === "up" || k.name === "down") && n) {
      k.preventDefault();
      this.sel = (this.sel + (k.name === "down" ? 1 : n - 1)) % n;
      return this.m.setLines((w) => this.lines(w));
    }
    if (k.name === "return" || k.name === "kpenter" || k.name === "linefeed") {
      k.preventDefault();
      const t = this.found[this.sel];
      this.close();
      if (t) this.go(t);
    }
  }

  close(): void {
    this.m.destroy();
    this.onClose();
  }
}
