// The terminal UI's drafts: what is typed in a channel and not sent yet, kept by the node per
// channel (Backend.getDraft/saveDraft: GET/PUT /api/drafts), so switching channels and
// restarting `felund serve --tui` give it back. The line is saved a moment after the last
// change, when the channel is left and at quit; a sent line clears its channel's draft.
import { FelundError } from "../../src/protocol/errors.ts";
import type { Backend } from "../shared/backend.ts";

/** Wait after the last change before saving (one request per pause in typing, not per key). */
const SAVE_AFTER_MS = 400;

export interface DraftBar {
  readonly value: string;
  set(value: string): void;
}

export class TuiDrafts {
  /** "circleId/channelId" the bar's text belongs to ("" before a channel is open) */
  private key = "";
  /** what the node holds per channel, as far as this UI knows (skips saves that change nothing) */
  private held = new Map<string, string>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** the bar is being set from here: not typing */
  private setting = false;
  /** the UI is gone (after quitting): nothing is read from the bar or saved any more */
  private closed = false;

  constructor(
    private backend: Backend,
    private bar: DraftBar,
  ) {}

  /** The bar's text changed: save it for the open channel soon. */
  changed(): void {
    if (this.setting || this.closed || !this.key || !this.backend.saveDraft) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), SAVE_AFTER_MS);
  }

  /** Save the bar's text for the open channel now (leaving it, quitting). */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.closed) await this.save(this.key, this.bar.value);
  }

  /** A line from `key` was sent: its channel has no draft any more. */
  async sent(key: string): Promise<void> {
    if (!this.closed) await this.save(key, key === this.key ? this.bar.value : "");
  }

  /** Another channel is open (`key`, "" for none): keep the old one's text, bring back the new one's. */
  async open(key: string): Promise<void> {
    if (key === this.key || this.closed) return;
    const old = this.key;
    const text = this.bar.value;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.key = key;
    // (a channel whose draft has not arrived yet keeps it, unless something was typed there)
    if (old && (this.held.has(old) || text)) void this.save(old, text);
    this.put("");
    if (!key || !this.backend.getDraft) return;
    const [circleId, channelId] = split(key);
    try {
      const draft = this.held.get(key) ?? (await this.backend.getDraft(circleId, channelId));
      this.held.set(key, draft);
      // typed into meanwhile, or left again: the draft stays where it is
      if (this.key === key && !this.closed && !this.bar.value) this.put(draft);
    } catch (e) {
      if (!(e instanceof FelundError)) throw e;
    }
  }

  private put(text: string): void {
    this.setting = true;
    try {
      this.bar.set(text);
    } finally {
      this.setting = false;
    }
  }

  private async save(key: string, text: string): Promise<void> {
    if (!key || !this.backend.saveDraft || this.held.get(key) === text) return;
    this.held.set(key, text);
    const [circleId, channelId] = split(key);
    try {
      await this.backend.saveDraft(circleId, channelId, text);
    } catch (e) {
      // the node is away: the text stays in the bar; the next save tries again
      this.held.delete(key);
      if (!(e instanceof FelundError)) throw e;
    }
  }

  dispose(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

const split = (key: string): [string, string] => {
  const i = key.indexOf("/");
  return [key.slice(0, i), key.slice(i + 1)];
};
