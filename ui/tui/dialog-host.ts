// The F1/F2/F3 dialogs over the main screen: at most one open at a time, its keys
// (Esc closes, PgUp/PgDn scroll, Tab/↑/↓ move between settings fields, Enter saves), the
// invite code fetched and copied with the circle's invites (invite-panel.ts), and the settings
// saved through the backend.
import type { CliRenderer, KeyEvent } from "@opentui/core";
import type { ChatStore } from "../shared/chat-store.ts";
import { COMMANDS, type ModalName } from "../shared/commands.ts";
import { shortId } from "../shared/format.ts";
import { choosable, defaultChoice } from "../shared/invite-options.ts";
import { helpLines, inviteLines, settingsLines } from "./dialogs.ts";
import { InvitePanel } from "./invite-panel.ts";
import { Modal } from "./modal.ts";

export interface DialogHostOptions {
  webUrl?: string;
  stateDir?: string;
  copy(text: string): Promise<string>;
  /** a dialog closed: give the input bar its focus back */
  onClose(): void;
}

export class DialogHost {
  private open: { kind: ModalName; m: Modal } | null = null;
  /** the invite dialog's code and invite list (F2) */
  private invites: InvitePanel | null = null;

  constructor(
    private r: CliRenderer,
    private store: ChatStore,
    private o: DialogHostOptions,
  ) {}

  get kind(): ModalName | null {
    return this.open?.kind ?? null;
  }
  /** the open dialog has input fields (they keep the focus) */
  get hasFields(): boolean {
    return !!this.open?.m.inputs.length;
  }

  /** Open a dialog; false when there is none of that name here (the caller says why). */
  show(name: ModalName): boolean {
    this.close(false);
    const node = this.store.state.app?.node;
    let m: Modal;
    switch (name) {
      case "help":
        m = new Modal(this.r, {
          title: "help",
          width: 96,
          lines: helpLines(COMMANDS),
          footer: "PgUp/PgDn scroll · Esc close",
        });
        break;
      case "invite": {
        const c = this.store.circle;
        if (!c) return false;
        const label = c.name || shortId(c.circleId);
        const kind = this.store.backend.kind;
        m = new Modal(this.r, {
          title: "invite",
          width: 80,
          lines: inviteLines(label, "…", ""),
          footer: c.owned ? "↑/↓ select · r revoke · c code alone · Esc close" : "c code alone · Esc close",
        });
        const choice = choosable(c) ? { initial: defaultChoice(kind, node), node } : null;
        this.invites = new InvitePanel(
          m,
          this.store.backend,
          c.circleId,
          label,
          c.owned,
          () => this.open?.m === m,
          choice,
        );
        void this.invites.fill(this.o.copy);
        break;
      }
      case "settings":
        m = new Modal(this.r, {
          title: "settings",
          width: 80,
          footer: "Tab next field · Enter save · Esc cancel",
          lines: settingsLines(node, { webUrl: this.o.webUrl, stateDir: this.o.stateDir }),
          fields: [
            { label: "Display name", value: node?.displayName ?? "", maxLength: 40 },
            {
              label: "Relay URL",
              value: node?.relayBase ?? "",
              placeholder: "https://relay.example/api (empty: no relay)",
              maxLength: 500,
            },
          ],
        });
        break;
      default:
        return false;
    }
    this.open = { kind: name, m };
    this.r.requestRender();
    return true;
  }

  close(notify = true): void {
    if (!this.open) return;
    this.invites?.closeBare();
    this.open.m.destroy();
    this.open = null;
    this.invites = null;
    if (notify) this.o.onClose();
    this.r.requestRender();
  }

  /** Keys while a dialog is open (every key stops here). */
  key(k: KeyEvent): void {
    const { kind, m } = this.open!;
    const stop = () => k.preventDefault();
    if (this.invites?.bareOpen) {
      stop();
      this.invites.closeBare();
      return;
    }
    switch (k.name) {
      case "escape":
        stop();
        return this.close();
      case "pageup":
        stop();
        return m.scroll(-m.page);
      case "pagedown":
        stop();
        return m.scroll(m.page);
      case "tab":
        stop();
        return m.nextField(k.shift ? -1 : 1);
    }
    if (kind === "settings") {
      if (k.name === "up" || k.name === "down") {
        stop();
        return m.nextField(k.name === "up" ? -1 : 1);
      }
      if (k.name === "return" || k.name === "kpenter") {
        stop();
        return void this.saveSettings(m);
      }
      return;
    }
    if (kind === "invite" && this.invites?.key(k.name, this.r)) return stop();
    if (k.name === "up" || k.name === "down") {
      stop();
      return m.scroll(k.name === "up" ? -1 : 1);
    }
    if (k.name === "return" || k.name === "kpenter" || k.name === "q") {
      stop();
      return this.close();
    }
  }

  private async saveSettings(m: Modal): Promise<void> {
    const [name = "", relay = ""] = m.values.map((v) => v.trim());
    if (!name) return m.setStatus("the display name cannot be empty", "error");
    const node = this.store.state.app?.node;
    const patch: { displayName?: string; relayBase?: string } = {};
    if (name !== node?.displayName) patch.displayName = name;
    if (relay.replace(/\/+$/, "") !== (node?.relayBase ?? "")) patch.relayBase = relay;
    try {
      if (Object.keys(patch).length) {
        // (the backend asks a new relay's /v1/health first and saves nothing when it fails)
        m.setStatus(patch.relayBase ? "checking the relay…" : "saving…");
        await this.store.backend.updateSettings(patch);
        await this.store.refresh();
      }
      if (this.open?.m !== m) return;
      this.close();
      const what = [
        patch.displayName && `you are now ${patch.displayName}`,
        patch.relayBase !== undefined && `relay ${patch.relayBase || "off"}`,
      ].filter(Boolean);
      this.store.notice(what.length ? `settings saved; ${what.join("; ")}` : "settings unchanged");
    } catch (e) {
      if (this.open?.m === m) m.setStatus((e as Error).message, "error");
    }
  }
}
