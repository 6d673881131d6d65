// The invite code alone on the screen, for selecting it with the mouse when it could not be
// copied: no border, no indent, nothing else on its rows, from column 0 across the full width.
// A selection over the rows gives the code with line breaks, which every join path drops.
import { BoxRenderable, type CliRenderer, StyledText, TextRenderable } from "@opentui/core";
import { chunk } from "./markup.ts";
import { theme } from "./theme.ts";

export const BARE_HINT = "Select the code above with the mouse (Shift+drag in most terminals); any key returns.";

export class BareCode {
  private readonly box: BoxRenderable;
  private readonly text: TextRenderable;
  private readonly onResize = () => this.layout();

  constructor(
    private r: CliRenderer,
    private code: string,
  ) {
    this.box = new BoxRenderable(r, {
      id: "bare-code",
      position: "absolute",
      zIndex: 200,
      left: 0,
      top: 0,
      backgroundColor: theme.bg,
      flexDirection: "column",
    });
    this.text = new TextRenderable(r, { fg: theme.text, wrapMode: "char" });
    this.box.add(this.text);
    r.root.add(this.box);
    r.on("resize", this.onResize);
    this.layout();
  }

  private layout(): void {
    this.box.width = this.r.width;
    this.box.height = this.r.height;
    this.text.content = new StyledText([chunk(this.code), chunk("\n\n"), chunk(BARE_HINT, { fg: theme.dim })]);
    this.r.requestRender();
  }

  destroy(): void {
    this.r.off("resize", this.onResize);
    this.box.destroyRecursively();
    this.r.requestRender();
  }
}
