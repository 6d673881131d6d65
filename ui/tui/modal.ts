// A centred dialog over the main screen: a bordered box with a title, a scrollable body and
// optional input fields (settings, first-run wizard). The owner routes keys to it while it
// is open; Escape closes it. Size follows the terminal on resize.
import {
  BoxRenderable,
  InputRenderable,
  ScrollBoxRenderable,
  StyledText,
  TextRenderable,
  type CliRenderer,
  type TextChunk,
} from "@opentui/core";
import { chunk } from "./markup.ts";
import { theme } from "./theme.ts";
import { joinLines } from "./view-model.ts";

export interface ModalField {
  label: string;
  value: string;
  placeholder?: string;
  maxLength?: number;
}

/** Body lines for a given inner width (so dialogs can wrap with a hanging indent). */
export type Lines = (width: number) => TextChunk[][];

export interface ModalOptions {
  title: string;
  /** body lines above the fields */
  lines: Lines;
  fields?: ModalField[];
  /** a line under the body, e.g. the keys */
  footer?: string;
  width?: number;
}

export class Modal {
  readonly box: BoxRenderable;
  readonly inputs: InputRenderable[] = [];
  private readonly body: ScrollBoxRenderable;
  private readonly bodyText: TextRenderable;
  private readonly status: TextRenderable;
  private focused = 0;
  private readonly onResize = () => this.layout();

  constructor(
    private r: CliRenderer,
    private o: ModalOptions,
  ) {
    this.box = new BoxRenderable(r, {
      id: "modal",
      position: "absolute",
      zIndex: 100,
      border: true,
      borderStyle: "rounded",
      borderColor: theme.accent,
      title: ` ${o.title} `,
      titleColor: theme.title,
      backgroundColor: theme.modalBg,
      flexDirection: "column",
      paddingX: 1,
      bottomTitle: o.footer ? ` ${o.footer} ` : undefined,
      bottomTitleAlignment: "right",
    });
    this.body = new ScrollBoxRenderable(r, { id: "modal-body", flexGrow: 1, flexShrink: 1, focusable: false });
    this.bodyText = new TextRenderable(r, { fg: theme.text, wrapMode: "word", selectable: true });
    this.body.add(this.bodyText);
    this.box.add(this.body);
    (o.fields ?? []).forEach((f, i) => {
      const row = new BoxRenderable(r, { height: 1, flexDirection: "row", flexShrink: 0, marginTop: i === 0 ? 1 : 0 });
      row.add(new TextRenderable(r, { content: f.label.padEnd(14), fg: theme.dim, width: 14, flexShrink: 0 }));
      const input = new InputRenderable(r, {
        flexGrow: 1,
        value: f.value,
        placeholder: f.placeholder ?? "",
        maxLength: f.maxLength ?? 500,
        backgroundColor: theme.codeBg,
        focusedBackgroundColor: "#3a404b",
        textColor: theme.text,
        focusedTextColor: "#ffffff",
        placeholderColor: theme.dim,
      });
      row.add(input);
      this.inputs.push(input);
      this.box.add(row);
    });
    this.status = new TextRenderable(r, { height: 1, flexShrink: 0, wrapMode: "none", truncate: true, content: "" });
    this.box.add(this.status);
    r.root.add(this.box);
    r.on("resize", this.onResize);
    this.layout();
    this.inputs[0]?.focus();
  }

  layout(): void {
    const W = this.r.width;
    const H = this.r.height;
    const w = Math.max(20, Math.min(this.o.width ?? 76, W - 4));
    // inside: 2 border columns, 2 of padding, 1 kept for the scroll bar
    const lines = this.o.lines(w - 5);
    this.bodyText.content = new StyledText(joinLines(lines));
    const fields = this.o.fields?.length ? this.o.fields.length + 1 : 0;
    const h = Math.max(5, Math.min(lines.length + fields + 3, H - 2));
    this.box.width = w;
    this.box.height = h;
    this.box.left = Math.max(0, Math.floor((W - w) / 2));
    this.box.top = Math.max(0, Math.floor((H - h) / 2));
  }

  setLines(lines: Lines): void {
    this.o.lines = lines;
    this.layout();
  }

  setStatus(text: string, kind: "info" | "error" = "info"): void {
    this.status.content = new StyledText(
      text ? [chunk(text, { fg: kind === "error" ? theme.error : theme.live })] : [],
    );
  }

  /** Move focus between fields (Tab / shift+Tab). */
  nextField(delta = 1): void {
    if (!this.inputs.length) return;
    this.focused = (this.focused + delta + this.inputs.length) % this.inputs.length;
    this.inputs[this.focused]!.focus();
  }

  get values(): string[] {
    return this.inputs.map((i) => i.value);
  }

  scroll(delta: number): void {
    this.body.scrollBy(delta);
  }

  get page(): number {
    return Math.max(1, this.body.viewport.height - 1);
  }

  destroy(): void {
    this.r.off("resize", this.onResize);
    for (const i of this.inputs) i.blur();
    this.box.destroyRecursively();
  }
}
