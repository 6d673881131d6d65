// What the F2 dialog does beyond showing the code: for the owner of a v2 circle, the choice the
// code is made with (n route, e expiry, u uses, m make: ui/shared/invite-options.ts) and the
// circle's invites (the backend's listInvites), one selected with ↑/↓, revoked with r; c shows
// the code alone on the screen to select it (bare-code.ts). The dialog host routes those keys
// here while the invite dialog is open.
import type { CliRenderer } from "@opentui/core";
import type { Backend } from "../shared/backend.ts";
import {
  DEFAULT_TTL_S,
  EXPIRY_CHOICES,
  type InviteChoice,
  inviteRequest,
  inviteRoutes,
  USES_CHOICES,
} from "../shared/invite-options.ts";
import { codeInviteId } from "../shared/invites.ts";
import type { InviteView, NodeView } from "../shared/types.ts";
import { BareCode } from "./bare-code.ts";
import { NOT_CONFIRMED } from "./clipboard.ts";
import { inviteDialogLines } from "./dialogs.ts";
import { choiceLines } from "./invite-choice.ts";
import type { Modal } from "./modal.ts";

const next = <T>(list: readonly T[], v: T): T => list[(list.indexOf(v) + 1) % list.length]!;

export class InvitePanel {
  private code = "…";
  private copied = "";
  private invites: InviteView[] | null = null;
  private sel = 0;
  private busy = false;
  private bare: BareCode | null = null;
  /** what the shown code was made with, and what the keys set for the next one (null: no choice) */
  private made: InviteChoice | null;
  private form: InviteChoice | null;

  constructor(
    private m: Modal,
    private backend: Backend,
    private circleId: string,
    private name: string,
    private owned: boolean,
    private isOpen: () => boolean,
    private choice: { initial: InviteChoice; node: NodeView | undefined } | null = null,
  ) {
    this.made = choice?.initial ?? null;
    this.form = this.made;
  }

  /** (remembered for the codes made later with m) */
  private copyFn: (text: string) => Promise<string> = async () => "";

  /** Fetch the code, copy it, then list the invites (owner, backends that have them). */
  async fill(copy: (text: string) => Promise<string>): Promise<void> {
    this.copyFn = copy;
    try {
      const req = this.made ? inviteRequest(this.made, this.backend.kind) : {};
      this.code = await this.backend.inviteCode(this.circleId, req);
      if (!this.isOpen()) return;
      this.copied = "copying…";
      this.render();
      this.copied = await copy(this.code);
      if (this.copied.startsWith(NOT_CONFIRMED)) this.copied += " · press c for the code alone, to select it";
      await this.reload();
    } catch (e) {
      if (this.isOpen()) this.m.setStatus((e as Error).message, "error");
    }
  }

  private async reload(): Promise<void> {
    if (this.owned && this.backend.listInvites && !this.code.startsWith("felund1.")) {
      this.invites = await this.backend.listInvites(this.circleId);
      this.sel = Math.min(this.sel, Math.max(0, this.invites.length - 1));
    }
    if (this.isOpen()) this.render();
  }

  private render(): void {
    const list = this.invites ? { invites: this.invites, sel: this.sel, codeId: codeInviteId(this.code) } : null;
    const dialog = inviteDialogLines(this.name, this.code, this.copied, list);
    const choice =
      this.made && this.form && this.code.startsWith("felund2.")
        ? choiceLines(this.form, this.made, this.choice!.node, inviteRoutes(this.backend.kind, this.choice!.node))
        : null;
    this.m.setLines(choice ? (w) => [...choice(w), [], ...dialog(w)] : dialog);
  }

  /** the code alone on the screen is open: every key closes it */
  get bareOpen(): boolean {
    return !!this.bare;
  }
  closeBare(): void {
    this.bare?.destroy();
    this.bare = null;
  }

  /** The choice keys (owner of a v2 circle), c, ↑/↓ and r; false when the key is not the panel's. */
  key(name: string, r?: CliRenderer): boolean {
    if (name === "c" && r && this.code.startsWith("felund")) {
      this.bare = new BareCode(r, this.code);
      return true;
    }
    if (this.form && this.made && this.code.startsWith("felund2.")) {
      const f = this.form;
      const routes = inviteRoutes(this.backend.kind, this.choice!.node);
      const set = (patch: Partial<InviteChoice>) => {
        this.form = { ...f, ...patch };
        this.render();
        return true;
      };
      if (name === "n" && routes.length > 1) return set({ route: next(routes, f.route) });
      if (name === "e")
        return set({
          ttlS: next(
            EXPIRY_CHOICES.map((x) => x.ttlS),
            f.ttlS || DEFAULT_TTL_S,
          ),
        });
      if (name === "u") return set({ maxUses: next(USES_CHOICES, f.maxUses) });
      if (name === "m") {
        if (this.busy) return true;
        this.made = f;
        this.invites = null;
        this.code = "…";
        this.copied = "";
        this.render();
        void this.fill(this.copyFn);
        return true;
      }
    }
    if (!this.invites?.length) return false;
    if (name === "up" || name === "down") {
      this.sel = Math.max(0, Math.min(this.invites.length - 1, this.sel + (name === "up" ? -1 : 1)));
      this.render();
      return true;
    }
    if (name === "r") {
      void this.revoke(this.invites[this.sel]!);
      return true;
    }
    return false;
  }

  private async revoke(v: InviteView): Promise<void> {
    if (this.busy) return;
    if (v.state === "revoked") return this.m.setStatus(`invite ${v.inviteId.slice(0, 12)} is already revoked`, "error");
    this.busy = true;
    try {
      await this.backend.revokeInvite!(this.circleId, v.inviteId);
      await this.reload();
      if (this.isOpen())
        this.m.setStatus(
          `revoked ${v.inviteId.slice(0, 12)}: its code admits no one now${v.inviteId === codeInviteId(this.code) ? " (reopen F2 for a new code)" : ""}`,
        );
    } catch (e) {
      if (this.isOpen()) this.m.setStatus((e as Error).message, "error");
    } finally {
      this.busy = false;
    }
  }
}
