// First run (no circle yet): a short wizard in a dialog — display name, then create a circle
// or join one by invite code. Each step is its own Modal; Escape goes back a step.
import type { CliRenderer, KeyEvent, TextChunk } from "@opentui/core";
import type { ChatStore } from "../shared/chat-store.ts";
import { chunk, clean, wrapChunks } from "./markup.ts";
import { Modal, type Lines } from "./modal.ts";
import { theme } from "./theme.ts";

type Step = "name" | "choice" | "create" | "join";

const TITLE = "welcome to felundchat";
const CHOICES = ["Create a new circle", "Join a circle with an invite code"] as const;

export class Wizard {
  private step: Step = "name";
  private modal: Modal | null = null;
  private choice = 0;
  private busy = false;

  constructor(
    private r: CliRenderer,
    private store: ChatStore,
    private done: (circleId: string, how: "created" | "joined") => void,
  ) {
    this.show();
  }

  private show(): void {
    this.modal?.destroy();
    const name = this.store.state.app?.node.displayName ?? "";
    const intro =
      (...chunks: TextChunk[]): Lines =>
      (w) =>
        wrapChunks(chunks, w);
    switch (this.step) {
      case "name":
        this.modal = new Modal(this.r, {
          title: TITLE,
          width: 64,
          footer: "Enter: next · ctrl+q: quit",
          lines: (w) => [
            ...wrapChunks(
              [
                chunk("felund", { bold: true, fg: theme.accent }),
                chunk(" is a peer-to-peer chat for small private groups, called circles."),
              ],
              w,
            ),
            [],
            ...wrapChunks([chunk("First, the name other people will see (you can change it later with /name):")], w),
          ],
          fields: [
            { label: "Display name", value: name === "anon" ? "" : name, placeholder: "your name", maxLength: 40 },
          ],
        });
        break;
      case "choice":
        this.modal = new Modal(this.r, {
          title: TITLE,
          width: 64,
          footer: "↑/↓ or 1/2 · Enter: next · Esc: back",
          lines: this.choiceLines(),
        });
        break;
      case "create":
        this.modal = new Modal(this.r, {
          title: TITLE,
          width: 64,
          footer: "Enter: create · Esc: back",
          lines: intro(chunk("Name the new circle. You will get an invite code (F2) to share with the others.")),
          fields: [{ label: "Circle name", value: "", placeholder: "e.g. friends", maxLength: 60 }],
        });
        break;
      case "join":
        this.modal = new Modal(this.r, {
          title: TITLE,
          width: 72,
          footer: "Enter: join · Esc: back",
          lines: intro(chunk("Paste the invite code you were given (it starts with felund2. or felund1.):")),
          fields: [{ label: "Invite code", value: "", placeholder: "felund2.… or felund1.…", maxLength: 4096 }],
        });
        break;
    }
  }

  private choiceLines(): Lines {
    const name = this.store.state.app?.node.displayName ?? "";
    return (w) => [
      ...wrapChunks([chunk(`Hi ${clean(name, false)}! Now create a circle, or join one you were invited to:`)], w),
      [],
      ...CHOICES.map((c, i): TextChunk[] =>
        i === this.choice
          ? [chunk(`  ▸ ${i + 1}  ${c}`, { fg: theme.active, bold: true })]
          : [chunk(`    ${i + 1}  ${c}`)],
      ),
    ];
  }

  /** Keys while the wizard is open; returns true when the key was used. */
  handleKey(k: KeyEvent): boolean {
    if (this.busy) return true;
    if (k.name === "escape") {
      if (this.step === "choice") this.step = "name";
      else if (this.step === "create" || this.step === "join") this.step = "choice";
      else return true;
      this.show();
      return true;
    }
    if (this.step === "choice") {
      if (k.name === "up" || k.name === "down" || k.name === "tab") this.choice = 1 - this.choice;
      else if (k.name === "1" || k.name === "c") this.choice = 0;
      else if (k.name === "2" || k.name === "j") this.choice = 1;
      else if (k.name === "return") {
        this.step = this.choice === 0 ? "create" : "join";
        this.show();
        return true;
      } else return true;
      this.modal!.setLines(this.choiceLines());
      return true;
    }
    if (k.name === "return" || k.name === "kpenter" || k.name === "linefeed") {
      void this.submit();
      return true;
    }
    return k.name === "tab"; // one field per step: nothing to move to, and no tab characters
  }

  private async submit(): Promise<void> {
    const m = this.modal!;
    const value = (m.values[0] ?? "").trim();
    this.busy = true;
    try {
      if (this.step === "name") {
        if (!value) return m.setStatus("please enter a name", "error");
        await this.store.backend.updateSettings({ displayName: value });
        await this.store.refresh();
        this.step = "choice";
        this.show();
      } else if (this.step === "create") {
        if (!value) return m.setStatus("please name the circle", "error");
        const { circleId } = await this.store.backend.createCircle(value);
        this.finish(circleId, "created");
      } else if (this.step === "join") {
        if (!value) return m.setStatus("please paste an invite code", "error");
        m.setStatus("joining…");
        const { circleId } = await this.store.backend.joinCircle(value);
        this.finish(circleId, "joined");
      }
    } catch (e) {
      m.setStatus(e instanceof Error ? e.message : String(e), "error");
    } finally {
      this.busy = false;
    }
  }

  private finish(circleId: string, how: "created" | "joined"): void {
    this.close();
    this.done(circleId, how);
  }

  close(): void {
    this.modal?.destroy();
    this.modal = null;
  }
}
