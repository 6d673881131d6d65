// The terminal front end's controller: puts the ChatStore on the main screen, routes keys
// (F1-F3, ctrl+q, Esc, PgUp/PgDn, Tab, history), runs input lines through the shared
// slash-command registry, and opens the dialogs and the first-run wizard. It takes a
// renderer, so the same code runs in a real terminal and in OpenTUI's test renderer.
import type { CliRenderer, KeyEvent } from "@opentui/core";
import type { ChatStore } from "../shared/chat-store.ts";
import { COMMANDS, commandNames, submitLine, type CommandContext, type ModalName } from "../shared/commands.ts";
import { shortId } from "../shared/format.ts";
import { copyText } from "./clipboard.ts";
import { Completer, type CompletionSource } from "./completion.ts";
import { helpLines, inviteLines, settingsLines } from "./dialogs.ts";
import { MainFrame } from "./frame.ts";
import { Modal } from "./modal.ts";
import { Wizard } from "./wizard.ts";

export interface TuiOptions {
  /** the web UI of this node, shown in settings */
  webUrl?: string;
  stateDir?: string;
  /** open the gossip debug pane at start */
  debug?: boolean;
  /** a first line for the log once loaded, e.g. where the node listens */
  greeting?: string;
  /** the user asked to quit (ctrl+q, /quit) */
  onQuit(): void;
  /** copy to the clipboard (defaults to OSC 52 + desktop tools) */
  copy?(text: string): Promise<string>;
}

type OpenModal = { kind: ModalName; m: Modal };

export class TuiApp {
  readonly frame: MainFrame;
  readonly ctx: CommandContext;
  private modal: OpenModal | null = null;
  private wizard: Wizard | null = null;
  private completer = new Completer();
  private history: string[] = [];
  private histIdx = -1;
  private draft = "";
  private settingInput = false;
  private pending = false;
  private lastKey = "";
  private loadingOlder = false;
  private unsubscribe: (() => void) | null = null;
  private readonly onKeyBound = (k: KeyEvent) => this.onKey(k);
  private readonly onResizeBound = () => this.schedule();

  constructor(readonly r: CliRenderer, readonly store: ChatStore, private o: TuiOptions) {
    this.frame = new MainFrame(r);
    this.ctx = {
      store,
      ui: {
        frontend: "tui",
        openModal: (name, arg) => this.openModal(name, arg),
        quit: () => this.o.onQuit(),
        copy: (text) => void this.copy(text),
      },
    };
    this.frame.onSelect = (circleId, channelId) => void this.selectFromSidebar(circleId, channelId);
    this.frame.input.on("input", () => {
      if (this.settingInput) return;
      this.completer.reset();
      this.frame.setHint(null);
    });
  }

  /** Load the state, then show the main screen or the first-run wizard. */
  async start(): Promise<void> {
    this.unsubscribe = this.store.subscribe(() => this.schedule());
    this.r.keyInput.on("keypress", this.onKeyBound);
    this.r.on("resize", this.onResizeBound);
    if (this.o.debug && !this.store.state.debugOn) this.store.toggleDebug();
    this.render();
    for (let attempt = 0; ; attempt++) {
      try {
        await this.store.init();
        break;
      } catch (e) {
        if (attempt === 0) this.store.notice(`cannot load from the node: ${(e as Error).message}; retrying…`, "error");
        await Bun.sleep(1000);
      }
    }
    if (this.o.greeting) this.store.notice(this.o.greeting);
    if (!this.store.state.app?.circles.length) this.startWizard();
    else this.focusInput();
    this.render();
  }

  private async selectFromSidebar(circleId: string, channelId?: string): Promise<void> {
    if (this.wizard || this.modal) return;
    const ch = this.store.state.app?.circles.find((c) => c.circleId === circleId)?.channels.find((c) => c.channelId === channelId);
    if (ch && !ch.joined) return this.store.notice(`#${ch.channelId} is ${ch.accessMode === "key" ? "key-protected" : "invite-only"}: /channel join ${ch.channelId}${ch.accessMode === "key" ? " <key>" : ""}`);
    try {
      await this.store.select(circleId, channelId);
    } catch (e) {
      this.store.notice((e as Error).message, "error");
    }
    this.focusInput();
  }

  private startWizard(): void {
    this.frame.input.blur();
    this.wizard = new Wizard(this.r, this.store, async (circleId, how) => {
      this.wizard = null;
      await this.store.refresh();
      await this.store.select(circleId);
      const c = this.store.circle;
      this.store.notice(how === "created"
        ? `created circle ${c?.name || shortId(circleId)}: press F2 for its invite code, /help for commands`
        : `joined circle ${c?.name || shortId(circleId)}: messages arrive as the inviter's node syncs`);
      this.focusInput();
    });
  }

  /** Coalesce store changes into one redraw per tick. */
  private schedule(): void {
    if (this.pending) return;
    this.pending = true;
    queueMicrotask(() => {
      this.pending = false;
      this.render();
    });
  }

  render(): void {
    const key = this.store.currentKey;
    this.frame.update(this.store);
    if (key !== this.lastKey) {
      // another channel: start at its newest message
      this.lastKey = key;
      this.frame.log.stickyScroll = true;
      this.frame.log.afterLayout(() => this.frame.log.scrollTo(this.frame.log.scrollHeight));
    }
    this.r.requestRender();
  }

  private focusInput(): void {
    if (this.wizard || this.modal?.m.inputs.length) return;
    this.frame.input.focus();
  }

  private setInput(value: string): void {
    this.settingInput = true;
    try { this.frame.input.value = value; } finally { this.settingInput = false; }
  }

  private onKey(k: KeyEvent): void {
    if (k.eventType === "release") return;
    if (k.ctrl && (k.name === "q" || k.name === "c")) {
      k.preventDefault();
      return this.o.onQuit();
    }
    if (this.wizard) {
      if (this.wizard.handleKey(k)) k.preventDefault();
      return;
    }
    if (k.name === "f1" || k.name === "f2" || k.name === "f3") {
      k.preventDefault();
      const want = k.name === "f1" ? "help" : k.name === "f2" ? "invite" : "settings";
      if (this.modal?.kind === want) return this.closeModal();
      if (want === "invite" && !this.store.circle) return this.store.notice("no active circle: /circle create <name> or /join <code>", "error");
      return this.openModal(want);
    }
    if (this.modal) return this.modalKey(k);
    switch (k.name) {
      case "escape":
        k.preventDefault();
        this.completer.reset();
        this.frame.setHint(null);
        return this.focusInput();
      case "pageup":
        k.preventDefault();
        return void this.pageUp();
      case "pagedown":
        k.preventDefault();
        return this.frame.log.scrollBy(this.frame.logPage);
      case "tab":
        k.preventDefault();
        return this.complete();
      case "up":
      case "down":
        k.preventDefault();
        return this.historyStep(k.name === "up" ? -1 : 1);
      case "return":
      case "kpenter":
      case "linefeed":
        k.preventDefault();
        return void this.submit();
    }
    if (!this.frame.input.focused && !k.ctrl && !k.meta && k.sequence.length === 1 && k.sequence >= " ") this.frame.input.focus();
  }

  private modalKey(k: KeyEvent): void {
    const { kind, m } = this.modal!;
    const page = m.page;
    switch (k.name) {
      case "escape":
        k.preventDefault();
        return this.closeModal();
      case "pageup": k.preventDefault(); return m.scroll(-page);
      case "pagedown": k.preventDefault(); return m.scroll(page);
      case "tab": k.preventDefault(); return m.nextField(k.shift ? -1 : 1);
    }
    if (kind === "settings") {
      if (k.name === "up" || k.name === "down") { k.preventDefault(); return m.nextField(k.name === "up" ? -1 : 1); }
      if (k.name === "return" || k.name === "kpenter") { k.preventDefault(); return void this.saveSettings(); }
      return;
    }
    if (k.name === "up" || k.name === "down") { k.preventDefault(); return m.scroll(k.name === "up" ? -1 : 1); }
    if (k.name === "return" || k.name === "kpenter" || k.name === "q") { k.preventDefault(); return this.closeModal(); }
  }

  openModal(name: ModalName, _arg?: string): void {
    this.closeModal();
    this.frame.input.blur();
    const node = this.store.state.app?.node;
    switch (name) {
      case "help":
        this.modal = { kind: name, m: new Modal(this.r, { title: "help", width: 96, lines: helpLines(COMMANDS), footer: "PgUp/PgDn scroll · Esc close" }) };
        break;
      case "invite": {
        const c = this.store.circle;
        if (!c) { this.store.notice("no active circle: /circle create <name> or /join <code>", "error"); return this.focusInput(); }
        const m = new Modal(this.r, { title: "invite", width: 80, lines: inviteLines(c.name || shortId(c.circleId), "…", ""), footer: "Esc close" });
        this.modal = { kind: name, m };
        void this.fillInvite(m, c.circleId, c.name || shortId(c.circleId));
        break;
      }
      case "settings":
        this.modal = {
          kind: name,
          m: new Modal(this.r, {
            title: "settings", width: 80, footer: "Tab next field · Enter save · Esc cancel",
            lines: settingsLines(node, { webUrl: this.o.webUrl, stateDir: this.o.stateDir }),
            fields: [
              { label: "Display name", value: node?.displayName ?? "", maxLength: 40 },
              { label: "Relay URL", value: node?.relayBase ?? "", placeholder: "https://relay.example/api (empty: no relay)", maxLength: 500 },
            ],
          }),
        };
        break;
      default:
        this.store.notice(`${name} needs the web client${this.o.webUrl ? `: open ${this.o.webUrl}` : ""}`);
        return this.focusInput();
    }
    this.r.requestRender();
  }

  private async fillInvite(m: Modal, circleId: string, name: string): Promise<void> {
    try {
      const code = await this.store.backend.inviteCode(circleId);
      if (this.modal?.m !== m) return;
      m.setLines(inviteLines(name, code, "copying…"));
      const how = await (this.o.copy ?? ((t: string) => copyText(this.r, t)))(code);
      if (this.modal?.m === m) m.setLines(inviteLines(name, code, how));
    } catch (e) {
      if (this.modal?.m === m) m.setStatus((e as Error).message, "error");
    }
  }

  private async copy(text: string): Promise<void> {
    const how = await (this.o.copy ?? ((t: string) => copyText(this.r, t)))(text);
    this.store.notice(how);
  }

  closeModal(): void {
    if (!this.modal) return;
    this.modal.m.destroy();
    this.modal = null;
    this.focusInput();
    this.r.requestRender();
  }

  private async saveSettings(): Promise<void> {
    const m = this.modal!.m;
    const [name = "", relay = ""] = m.values.map((v) => v.trim());
    const node = this.store.state.app?.node;
    const patch: { displayName?: string; relayBase?: string } = {};
    if (name && name !== node?.displayName) patch.displayName = name;
    if (relay.replace(/\/+$/, "") !== (node?.relayBase ?? "")) patch.relayBase = relay;
    if (!name) return m.setStatus("the display name cannot be empty", "error");
    try {
      if (Object.keys(patch).length) {
        m.setStatus("saving…");
        await this.store.backend.updateSettings(patch);
        await this.store.refresh();
      }
      if (patch.relayBase) {
        m.setStatus("testing the relay…");
        const ok = await fetch(`${patch.relayBase.replace(/\/+$/, "")}/v1/health`, { signal: AbortSignal.timeout(4000) }).then((r) => r.ok, () => false);
        if (this.modal?.m !== m) return;
        if (!ok) return m.setStatus("saved, but the relay did not answer /v1/health", "error");
      }
      this.closeModal();
      this.store.notice(Object.keys(patch).length ? `settings saved${patch.displayName ? `; you are now ${patch.displayName}` : ""}${patch.relayBase !== undefined ? `; relay ${patch.relayBase || "off"}` : ""}` : "settings unchanged");
    } catch (e) {
      if (this.modal?.m === m) m.setStatus((e as Error).message, "error");
    }
  }

  private async submit(): Promise<void> {
    const line = this.frame.input.value;
    if (!line.trim()) return;
    if (this.history.at(-1) !== line) this.history.push(line);
    if (this.history.length > 200) this.history.shift();
    this.histIdx = -1;
    this.setInput("");
    this.completer.reset();
    this.frame.setHint(null);
    if (!line.startsWith("/") || line.startsWith("//")) {
      // my own message: follow the log to the bottom
      this.frame.log.stickyScroll = true;
      this.frame.log.afterLayout(() => this.frame.log.scrollTo(this.frame.log.scrollHeight));
    }
    await submitLine(this.ctx, line);
  }

  private historyStep(dir: -1 | 1): void {
    if (!this.history.length) return;
    if (this.histIdx === -1) {
      if (dir === 1) return;
      this.draft = this.frame.input.value;
      this.histIdx = this.history.length - 1;
    } else {
      this.histIdx += dir;
      if (this.histIdx < 0) this.histIdx = 0;
      if (this.histIdx >= this.history.length) {
        this.histIdx = -1;
        return this.setInput(this.draft);
      }
    }
    this.setInput(this.history[this.histIdx]!);
  }

  completionSource(): CompletionSource {
    const s = this.store.state;
    const peers = s.circleId ? s.peers[s.circleId] ?? [] : [];
    return {
      commands: commandNames(),
      names: [...this.store.knownNames(), ...peers.map((p) => p.name)].filter((n) => n && n !== s.app?.node.displayName),
      channels: this.store.circle?.channels.map((c) => c.channelId) ?? [],
      circles: s.app?.circles.map((c) => c.name) ?? [],
    };
  }

  private complete(): void {
    const r = this.completer.complete(this.frame.input.value, this.completionSource());
    if (!r) return this.frame.setHint(" no completion ");
    this.setInput(r.value);
    this.frame.setHint(r.candidates.length > 1 ? ` ${r.candidates.join("  ")} ` : null);
  }

  private async pageUp(): Promise<void> {
    const log = this.frame.log;
    log.scrollBy(-this.frame.logPage);
    const k = this.store.currentKey;
    if (log.scrollTop > 0 || this.loadingOlder || !k || this.store.state.hasMore[k] === false) return;
    this.loadingOlder = true;
    try {
      const before = log.scrollHeight;
      const n = await this.store.loadOlder();
      if (n && this.store.currentKey === k) {
        this.render();
        // keep the line that was at the top in place; the older page sits above it
        log.afterLayout(() => log.scrollTo(Math.max(0, log.scrollHeight - before - this.frame.logPage)));
      }
    } catch (e) {
      this.store.notice(`cannot load older messages: ${(e as Error).message}`, "error");
    } finally {
      this.loadingOlder = false;
    }
  }

  /** Which dialog is open (for tests and callers). */
  get openModalKind(): ModalName | null {
    return this.modal?.kind ?? null;
  }

  dispose(): void {
    this.unsubscribe?.();
    this.r.keyInput.off("keypress", this.onKeyBound);
    this.r.off("resize", this.onResizeBound);
    this.wizard?.close();
    this.modal?.m.destroy();
    this.store.dispose();
  }
}
