// The terminal front end's controller: puts the ChatStore on the main screen, routes keys
// (F1-F3, ctrl+q, ctrl+k quick switcher, alt+↑/↓ channels, Esc, PgUp/PgDn, Tab, history),
// runs input lines through the shared slash-command registry, and opens the dialogs and the
// first-run wizard. It takes a renderer, so the same code runs in a real terminal and in
// OpenTUI's test renderer.
import type { CliRenderer, KeyEvent } from "@opentui/core";
import type { ChatStore } from "../shared/chat-store.ts";
import { commandNames, submitLine, type CommandContext, type ModalName } from "../shared/commands.ts";
import { shortId } from "../shared/format.ts";
import { copyText } from "./clipboard.ts";
import { tuiFiles } from "./files.ts";
import type { CompletionSource } from "../shared/completion.ts";
import { activeChannel, lockedError } from "../shared/locked.ts";
import { messageText } from "../shared/line.ts";
import { textBudget, tooLong } from "../shared/text-limit.ts";
import { DialogHost } from "./dialog-host.ts";
import { TuiDrafts } from "./drafts.ts";
import { MainFrame } from "./frame.ts";
import { InputBar } from "./input-bar.ts";
import { QuickSwitch } from "./quick-switch.ts";
import { adjacentChannel } from "../shared/switcher.ts";
import { Wizard } from "./wizard.ts";
import { onReveal } from "../shared/search.ts";
import { userTyped } from "../shared/typing.ts";

export interface TuiOptions {
  /** the web UI of this node, shown in settings */
  webUrl?: string;
  stateDir?: string;
  /** open the gossip debug pane at start */
  debug?: boolean;
  /** a first line for the log once loaded, e.g. where the node listens */
  greeting?: string;
  /** the user asked to quit (ctrl+q, ctrl+c, /quit) */
  onQuit(): void;
  /** copy to the clipboard (defaults to OSC 52 + desktop tools) */
  copy?(text: string): Promise<string>;
}

const NO_CIRCLE = "no active circle: /circle create <name> or /join <code>";

export class TuiApp {
  readonly frame: MainFrame;
  readonly ctx: CommandContext;
  private readonly bar: InputBar;
  private readonly dialogs: DialogHost;
  private readonly drafts: TuiDrafts;
  /** a line is on its way: Enter does not send it again */
  private sending = false;
  private disposed = false;
  private wizard: Wizard | null = null;
  private switcher: QuickSwitch | null = null;
  private pending = false;
  private lastKey = "";
  private loadingOlder = false;
  private midnight: ReturnType<typeof setTimeout> | undefined;
  private unsubscribe: (() => void) | null = null;
  private readonly copy: (text: string) => Promise<string>;
  private readonly onKeyBound = (k: KeyEvent) => this.onKey(k);
  private readonly onResizeBound = () => this.schedule();

  constructor(
    readonly r: CliRenderer,
    readonly store: ChatStore,
    private o: TuiOptions,
  ) {
    this.frame = new MainFrame(r);
    this.copy = o.copy ?? ((text) => copyText(r, text));
    this.bar = new InputBar(this.frame.input, (hint) => this.frame.setHint(hint));
    this.drafts = new TuiDrafts(store.backend, this.bar);
    this.frame.input.on("input", () => this.typed());
    this.dialogs = new DialogHost(r, store, {
      webUrl: o.webUrl,
      stateDir: o.stateDir,
      copy: this.copy,
      onClose: () => this.focusInput(),
    });
    this.ctx = {
      store,
      ui: {
        frontend: "tui",
        openModal: (name) => this.openModal(name),
        quit: () => this.o.onQuit(),
        webUrl: o.webUrl,
        copy: (text) => void this.copy(text).then((how) => store.notice(how)),
        ...tuiFiles,
      },
    };
    this.frame.onSelect = (circleId, channelId) => void this.selectFromSidebar(circleId, channelId);
  }

  /** Load the state, then show the main screen or the first-run wizard. */
  async start(): Promise<void> {
    const unsub = this.store.subscribe(() => this.schedule());
    const unreveal = onReveal(this.store, (hit) => this.reveal(hit.msgId));
    this.unsubscribe = () => (unsub(), unreveal());
    this.r.keyInput.on("keypress", this.onKeyBound);
    this.r.on("resize", this.onResizeBound);
    this.atMidnight();
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

  /** Which dialog is open (for tests and callers). */
  get openModalKind(): ModalName | null {
    return this.dialogs.kind;
  }

  openModal(name: ModalName): void {
    this.frame.input.blur();
    if (this.dialogs.show(name)) return;
    if (name === "invite") this.store.notice(NO_CIRCLE, "error");
    else this.store.notice(`${name} needs the web client${this.o.webUrl ? `: open ${this.o.webUrl}` : ""}`);
    this.focusInput();
  }

  private startWizard(): void {
    this.frame.input.blur();
    this.wizard = new Wizard(this.r, this.store, async (circleId, how) => {
      this.wizard = null;
      this.focusInput();
      try {
        await this.store.refresh();
        await this.store.select(circleId);
      } catch (e) {
        return this.store.notice((e as Error).message, "error");
      }
      const c = this.store.circle;
      this.store.notice(
        how === "created"
          ? `created circle ${c?.name || shortId(circleId)}: press F2 for its invite code, /help for commands`
          : `joined circle ${c?.name || shortId(circleId)}: messages arrive as the inviter's node syncs`,
      );
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
      this.followLog();
      void this.drafts.open(key);
    }
    this.r.requestRender();
  }

  /** A /jump loaded its message: mark it and scroll the log to it (a third of the screen from the top). */
  private reveal(msgId: string): void {
    this.frame.found = msgId;
    this.render();
    const log = this.frame.log;
    log.stickyScroll = false;
    const line = this.frame.lineOf(msgId);
    if (line !== undefined) log.afterLayout(() => log.scrollTo(Math.max(0, line - Math.floor(this.frame.logPage / 3))));
  }

  private followLog(): void {
    const log = this.frame.log;
    log.stickyScroll = true;
    log.afterLayout(() => log.scrollTo(log.scrollHeight));
  }

  private focusInput(): void {
    if (this.wizard || this.switcher || this.dialogs.hasFields) return;
    this.frame.input.focus();
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
    if (this.switcher) return this.switcher.key(k);
    if (k.ctrl && k.name === "k") {
      k.preventDefault();
      return this.openSwitcher();
    }
    if (k.name === "f1" || k.name === "f2" || k.name === "f3") {
      k.preventDefault();
      const want = k.name === "f1" ? "help" : k.name === "f2" ? "invite" : "settings";
      return this.dialogs.kind === want ? this.dialogs.close() : this.openModal(want);
    }
    if (this.dialogs.kind) return this.dialogs.key(k);
    if (k.name === "f5") {
      k.preventDefault();
      return void submitLine(this.ctx, "/who"); // the member list, as /who prints it
    }
    switch (k.name) {
      case "escape":
        k.preventDefault();
        this.bar.reset();
        return this.focusInput();
      case "pageup":
        k.preventDefault();
        return void this.pageUp();
      case "pagedown":
        k.preventDefault();
        return this.frame.log.scrollBy(this.frame.logPage);
      case "tab":
        k.preventDefault();
        return this.bar.complete(this.completionSource());
      case "up":
      case "down":
        k.preventDefault();
        if (k.meta || k.option) return void this.stepChannel(k.name === "up" ? -1 : 1);
        return this.bar.step(k.name === "up" ? -1 : 1);
      case "return":
      case "kpenter":
      case "linefeed":
        k.preventDefault();
        return void this.submit();
    }
    // typing while something else has the focus (e.g. after a click) goes to the bar
    if (!this.frame.input.focused && !k.ctrl && !k.meta && k.sequence.length === 1 && k.sequence >= " ")
      this.frame.input.focus();
  }

  /** The bar's text changed: the counter near the limit (an error shown goes), and the draft. */
  private typed(): void {
    const text = messageText(this.bar.value);
    const b = text === null ? null : textBudget(text);
    this.frame.setNote(b?.near ? b.label : "", !!b?.over);
    this.drafts.changed();
    if (text) userTyped(this.store, text); // the others see "… is typing" (ui/shared/typing.ts)
  }

  /**
   * Enter: send the line, or run it as a command. The text stays in the bar until that is
   * done, and stays there with the reason beside it when it is refused or fails.
   */
  private async submit(): Promise<void> {
    const line = this.bar.value;
    if (!line.trim() || this.sending) return;
    const text = messageText(line);
    const refused = text === null ? null : (tooLong(text) ?? lockedError(activeChannel(this.store)));
    if (refused) return this.frame.setNote(refused.message, true);
    const key = this.store.currentKey;
    this.sending = true;
    try {
      if (text === null) {
        // a command leaves the bar at once, as a shell's does (↑ brings it back); its errors go to the log
        this.done(line);
        await submitLine(this.ctx, line);
        await this.drafts.sent(key);
        return;
      }
      this.followLog(); // my own message
      const error = await submitLine(this.ctx, line);
      if (this.disposed) return; // quit while it was on its way: the bar is gone
      if (error) return this.frame.setNote(error, true);
      this.done(line);
      await this.drafts.sent(key);
    } finally {
      this.sending = false;
    }
  }

  /** `line` went: into the history, out of the bar (unless the bar holds something else by now). */
  private done(line: string): void {
    this.bar.remember(line);
    if (this.bar.value === line) this.bar.set("");
    this.frame.setNote("");
  }

  /** Save the line being typed for its channel now (before quitting). */
  flushDraft(): Promise<void> {
    return this.drafts.flush();
  }

  private async selectFromSidebar(circleId: string, channelId?: string): Promise<void> {
    if (this.wizard || this.dialogs.kind) return;
    // a locked channel opens too: it says what it holds and how to join (frame, view-model)
    try {
      await this.store.select(circleId, channelId);
    } catch (e) {
      this.store.notice((e as Error).message, "error");
    }
    this.focusInput();
  }

  /** Ctrl+K: the quick switcher over the circles and channels (quick-switch.ts). */
  openSwitcher(): void {
    this.dialogs.close(false);
    this.frame.input.blur();
    this.switcher = new QuickSwitch(
      this.r,
      this.store.state.app?.circles ?? [],
      (t) => void this.selectFromSidebar(t.circleId, t.channelId),
      () => {
        this.switcher = null;
        this.focusInput();
        this.r.requestRender();
      },
    );
    this.r.requestRender();
  }

  /** Alt+↑ / Alt+↓: the channel before or after the active one, across circles in sidebar order. */
  private async stepChannel(dir: 1 | -1): Promise<void> {
    const s = this.store.state;
    const t = adjacentChannel(s.app?.circles ?? [], s.circleId, s.channelId, dir);
    if (t) await this.selectFromSidebar(t.circleId, t.channelId);
  }

  completionSource(): CompletionSource {
    const s = this.store.state;
    const peers = s.circleId ? (s.peers[s.circleId] ?? []) : [];
    return {
      commands: commandNames(),
      names: [...this.store.knownNames(), ...peers.map((p) => p.name)].filter(
        (n) => n && n !== s.app?.node.displayName,
      ),
      channels: this.store.circle?.channels.map((c) => c.channelId) ?? [],
      circles: s.app?.circles.map((c) => c.name) ?? [],
    };
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
        // the older page sits above what was at the top: show its last screenful
        log.afterLayout(() => log.scrollTo(Math.max(0, log.scrollHeight - before - this.frame.logPage)));
      }
    } catch (e) {
      this.store.notice(`cannot load older messages: ${(e as Error).message}`, "error");
    } finally {
      this.loadingOlder = false;
    }
  }

  /** Redraw just after each midnight: the day labels move on ("Today" becomes "Yesterday"). */
  private atMidnight(): void {
    this.midnight = setTimeout(
      () => {
        this.render();
        this.atMidnight();
      },
      new Date().setHours(24, 0, 1, 0) - Date.now(),
    );
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.midnight);
    this.unsubscribe?.();
    this.drafts.dispose();
    this.r.keyInput.off("keypress", this.onKeyBound);
    this.r.off("resize", this.onResizeBound);
    this.wizard?.close();
    this.switcher?.close();
    this.dialogs.close(false);
    this.store.dispose();
  }
}
