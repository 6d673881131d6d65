// What the F2 dialog does beyond showing the code: for the owner of a v2 circle, the circle's
// invites (the backend's listInvites), one selected with ↑/↓, revoked with r. The dialog host
// routes those keys here while the invite dialog is open.
import type { Backend } from "../shared/backend.ts";
import { codeInviteId } from "../shared/invites.ts";
import type { InviteView } from "../shared/types.ts";
import { inviteDialogLines } from "./dialogs.ts";
import type { Modal } from "./modal.ts";

export class InvitePanel {
  private code = "…";
  private copied = "";
  private invites: InviteView[] | null = null;
  private sel = 0;
  private busy = false;

  constructor(
    private m: Modal,
    private backend: Backend,
    private circleId: string,
    private name: string,
    private owned: boolean,
    private isOpen: () => boolean,
  ) {}

  /** Fetch the code, copy it, then list the invites (owner, backends that have them). */
  async fill(copy: (text: string) => Promise<string>): Promise<void> {
    try {
      this.code = await this.backend.inviteCode(this.circleId);
      if (!this.isOpen()) return;
      this.copied = "copying…";
      this.render();
      this.copied = await copy(this.code);
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
    this.m.setLines(inviteDialogLines(this.name, this.code, this.copied, list));
  }

  /** ↑/↓ and r; false when the key is not the panel's (the host then scrolls or closes). */
  key(name: string): boolean {
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
