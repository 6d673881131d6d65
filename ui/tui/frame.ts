// The main screen, as in the original felundchat TUI:
//
//   ┌─ felundchat ─────────────────────────────────────┐
//   │ node: a3f8b2 | #general | 2 online    ctrl+q=quit │
//   ├──────────────────┬───────────────────────────────┤
//   │ Circles          │ [10:32] alice: hey everyone   │
//   │ ● mygroup        │                               │
//   │   #general ←     │                               │
//   ├──────────────────┴───────────────────────────────┤
//   │ > _                                              │
//   └─ F1 help · F2 invite · F3 settings ──────────────┘
//
// Built once from OpenTUI core renderables; update() refills the texts from the store.
// Layout is flexbox, so a terminal resize reflows everything; the T-junctions where the
// inner rules meet the frame are drawn after the children.
import {
  BoxRenderable,
  InputRenderable,
  ScrollBoxRenderable,
  StyledText,
  TextRenderable,
  RGBA,
  type CliRenderer,
  type OptimizedBuffer,
  type TextChunk,
} from "@opentui/core";
import { DRAFT_MAX_CHARS } from "../../src/protocol/limits.ts";
import type { ChatStore } from "../shared/chat-store.ts";
import { activeChannel, isLocked, joinHow } from "../shared/locked.ts";
import { chunk, clean, fit, wrapChunks } from "./markup.ts";
import { sidebarWidth, theme } from "./theme.ts";
import { headerChunks, joinLines, logEntries, sidebarLines, type SidebarLine } from "./view-model.ts";

export const DEFAULT_HINT = " F1 help · F2 invite · F3 settings · PgUp/PgDn scroll · Tab complete ";
/** Rows of the debug pane (with its rule) for a terminal `height` rows high. */
const debugRows = (height: number) => Math.max(5, Math.min(14, Math.floor(height / 4)));

export class MainFrame {
  readonly root: BoxRenderable;
  readonly input: InputRenderable;
  readonly log: ScrollBoxRenderable;
  private readonly headerLeft: TextRenderable;
  private readonly sideBox: BoxRenderable;
  private readonly sidebar: TextRenderable;
  private readonly mid: BoxRenderable;
  private readonly logText: TextRenderable;
  private readonly debugBox: BoxRenderable;
  private readonly debugText: TextRenderable;
  private readonly prompt: TextRenderable;
  private readonly note: TextRenderable;
  private lockHint: string | null = null;
  private logKeys = "";
  /** wrapped lines per log entry, valid for `wrapFor` (width and own name) */
  private wrapped = new Map<string, TextChunk[][]>();
  private wrapFor = "";
  private debugShown = "";
  private sideTargets: SidebarLine["target"][] = [];
  /** the message a /jump revealed (marked in the log) and the log line each entry starts on */
  found = "";
  private entryLines: [string, number][] = [];
  /** clicking a circle or channel in the sidebar */
  onSelect: ((circleId: string, channelId?: string) => void) | null = null;

  constructor(private r: CliRenderer) {
    const borderColor = theme.border;
    this.root = new BoxRenderable(r, {
      id: "frame",
      width: "100%",
      height: "100%",
      border: true,
      borderColor,
      title: " felundchat ",
      titleColor: theme.title,
      backgroundColor: theme.bg,
      bottomTitle: DEFAULT_HINT,
      flexDirection: "column",
    });
    const headerRow = new BoxRenderable(r, { height: 1, flexDirection: "row", paddingX: 1, flexShrink: 0 });
    this.headerLeft = new TextRenderable(r, {
      id: "header",
      fg: theme.text,
      flexGrow: 1,
      flexShrink: 1,
      wrapMode: "none",
      truncate: true,
    });
    const headerRight = new TextRenderable(r, {
      id: "header-keys",
      content: "ctrl+q=quit",
      fg: theme.dim,
      flexShrink: 0,
      marginLeft: 1,
    });
    headerRow.add(this.headerLeft);
    headerRow.add(headerRight);

    this.mid = new BoxRenderable(r, { flexGrow: 1, flexDirection: "row", border: ["top", "bottom"], borderColor });
    this.sideBox = new BoxRenderable(r, {
      width: sidebarWidth(r.width),
      border: ["right"],
      borderColor,
      paddingX: 1,
      flexShrink: 0,
    });
    this.sidebar = new TextRenderable(r, {
      id: "sidebar",
      fg: theme.text,
      wrapMode: "none",
      truncate: true,
      selectable: false,
      onMouseDown: (e) => {
        const t = this.sideTargets[e.y - this.sidebar.y];
        if (t) this.onSelect?.(t.circleId, t.channelId);
      },
    });
    this.sideBox.add(this.sidebar);
    const right = new BoxRenderable(r, { flexGrow: 1, flexDirection: "column" });
    this.log = new ScrollBoxRenderable(r, {
      id: "log",
      flexGrow: 1,
      stickyScroll: true,
      stickyStart: "bottom",
      paddingLeft: 1,
      focusable: false,
      scrollbarOptions: { trackOptions: { foregroundColor: theme.dim, backgroundColor: theme.codeBg } },
    });
    this.logText = new TextRenderable(r, { id: "log-text", fg: theme.text, wrapMode: "word", selectable: true });
    this.log.add(this.logText);
    this.debugBox = new BoxRenderable(r, {
      height: debugRows(r.height),
      border: ["top"],
      borderColor,
      title: " gossip debug (/debug to hide) ",
      titleColor: theme.dim,
      paddingX: 1,
      visible: false,
      flexShrink: 0,
    });
    this.debugText = new TextRenderable(r, { id: "debug", wrapMode: "none", truncate: true, fg: theme.debugText });
    this.debugBox.add(this.debugText);
    right.add(this.log);
    right.add(this.debugBox);
    this.mid.add(this.sideBox);
    this.mid.add(right);

    const inputRow = new BoxRenderable(r, { height: 1, flexDirection: "row", paddingX: 1, flexShrink: 0 });
    this.prompt = new TextRenderable(r, { content: "> ", fg: theme.accent, width: 2, flexShrink: 0 });
    this.input = new InputRenderable(r, {
      id: "input",
      flexGrow: 1,
      // its width is the row's, whatever the length of the text (the note beside it stays)
      flexBasis: 0,
      minWidth: 0,
      // the whole of a paste: a message over the wire's limit is refused at Enter, never cut
      maxLength: DRAFT_MAX_CHARS,
      placeholder: "type a message, or /help",
      placeholderColor: theme.dim,
      textColor: theme.text,
      focusedTextColor: theme.text,
      backgroundColor: "transparent",
      focusedBackgroundColor: "transparent",
    });
    // beside the input: the byte counter near the limit, or why the last line was not sent
    this.note = new TextRenderable(r, { id: "input-note", content: "", fg: theme.dim, flexShrink: 0 });
    inputRow.add(this.prompt);
    inputRow.add(this.input);
    inputRow.add(this.note);

    this.root.add(headerRow);
    this.root.add(this.mid);
    this.root.add(inputRow);
    r.root.add(this.root);
    // the junctions are painted by an empty layer above the frame (drawn after the rules)
    // and below dialogs (zIndex 100), so they never show through a dialog
    r.root.add(
      new BoxRenderable(r, {
        id: "junctions",
        position: "absolute",
        left: 0,
        top: 0,
        width: 1,
        height: 1,
        zIndex: 50,
        shouldFill: false,
        renderAfter: (buf) => this.drawJunctions(buf),
      }),
    );
    r.on("resize", (w: number, h: number) => {
      this.sideBox.width = sidebarWidth(w);
      this.debugBox.height = debugRows(h);
      this.debugShown = "";
    });
  }

  setHint(text: string | null): void {
    this.root.bottomTitle = text ?? this.lockHint ?? DEFAULT_HINT;
  }

  /** Show `text` right of the input (an error in red); "" hides it. */
  setNote(text: string, error = false): void {
    const t = text ? " " + fit(text, Math.max(12, Math.floor(this.r.width / 2))) : "";
    if (this.note.content.toString() !== t) this.note.content = t;
    this.note.fg = error ? theme.error : theme.dim;
  }

  /** Refill every pane from the store. */
  update(store: ChatStore): void {
    const s = store.state;
    this.headerLeft.content = new StyledText(headerChunks(store));
    const side = sidebarLines(s, Math.max(4, sidebarWidth(this.r.width) - 3));
    this.sideTargets = side.map((l) => l.target);
    this.sidebar.content = new StyledText(joinLines(side.map((l) => l.chunks)));
    const entries = logEntries(store, undefined, this.found);
    const width = this.logWidth;
    const keys = `${width}|${s.app?.node.displayName ?? ""}|${entries.map((e) => e.key).join(",")}`;
    if (keys !== this.logKeys) {
      this.logKeys = keys;
      const wrapFor = `${width}|${s.app?.node.displayName ?? ""}`;
      if (wrapFor !== this.wrapFor) {
        this.wrapFor = wrapFor;
        this.wrapped.clear();
      }
      const wrap = (e: (typeof entries)[number]) => {
        let lines = this.wrapped.get(e.key);
        if (!lines) this.wrapped.set(e.key, (lines = wrapChunks(e.chunks, width, e.indent)));
        return lines;
      };
      let line = 0;
      this.entryLines = entries.map((e) => [e.key, (line += wrap(e).length) - wrap(e).length]);
      this.logText.content = new StyledText(joinLines(entries.flatMap(wrap)));
      if (this.wrapped.size > entries.length * 4 + 500) this.wrapped.clear();
    }
    const circle = store.circle;
    const ch = activeChannel(store);
    const placeholder = isLocked(ch)
      ? `#${ch.channelId} is locked: ${joinHow(ch)}`
      : circle
        ? `message ${clean(store.title(), false)} in ${clean(circle.name, false) || "this circle"} — /help for commands`
        : "/circle create <name> or /join <code> — /help for commands";
    // the input does not clip its placeholder: cut it to the bar (frame, padding, "> ")
    this.input.placeholder = fit(placeholder, this.r.width - 7);
    // a locked channel: the hint line says how to get in
    const lockHint = isLocked(ch) ? ` #${ch.channelId} is locked — ${joinHow(ch)} ` : null;
    if (lockHint !== this.lockHint) {
      const shown = this.root.bottomTitle === (this.lockHint ?? DEFAULT_HINT);
      this.lockHint = lockHint;
      if (shown) this.setHint(null);
    }
    if (s.debugOn !== this.debugBox.visible) this.debugBox.visible = s.debugOn;
    if (s.debugOn && `${s.debug.length}:${s.debug.at(-1)}` !== this.debugShown) {
      this.debugShown = `${s.debug.length}:${s.debug.at(-1)}`;
      const lines = s.debug.slice(-(debugRows(this.r.height) - 1));
      this.debugText.content = lines.length
        ? new StyledText(joinLines(lines.map((l) => [chunk(clean(l, false))])))
        : new StyledText([chunk("(waiting for gossip activity…)", { fg: theme.dim })]);
    }
  }

  /** The log line a message starts on (after the last update), if it is shown. */
  lineOf(msgId: string): number | undefined {
    return this.entryLines.find(([k]) => k === msgId || k.startsWith(`${msgId}:`))?.[1];
  }

  /** Columns for log text: the terminal minus frame, sidebar, padding and scroll bar. */
  get logWidth(): number {
    return Math.max(10, this.r.width - 2 - sidebarWidth(this.r.width) - 1 - 1);
  }

  /** Lines of the log that fit on screen (for paging). */
  get logPage(): number {
    return Math.max(1, this.log.viewport.height - 1);
  }

  private drawJunctions(buf: OptimizedBuffer): void {
    const fg = RGBA.fromHex(theme.border);
    const bg = RGBA.fromValues(0, 0, 0, 0);
    const left = this.root.x;
    const right = this.root.x + this.root.width - 1;
    const top = this.mid.y;
    const bottom = this.mid.y + this.mid.height - 1;
    const col = this.sideBox.x + this.sideBox.width - 1;
    if (this.mid.height < 2) return;
    buf.setCell(left, top, "├", fg, bg);
    buf.setCell(right, top, "┤", fg, bg);
    buf.setCell(left, bottom, "├", fg, bg);
    buf.setCell(right, bottom, "┤", fg, bg);
    buf.setCell(col, top, "┬", fg, bg);
    buf.setCell(col, bottom, "┴", fg, bg);
    if (this.debugBox.visible) buf.setCell(col, this.debugBox.y, "├", fg, bg);
    if (this.debugBox.visible) buf.setCell(right, this.debugBox.y, "┤", fg, bg);
  }
}
