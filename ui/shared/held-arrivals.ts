// Messages that arrive while a page of their channel is on its way (chat-store.ts) wait for it
// and are added after it. The page may have been read before such a message was stored: added
// before the page, the message was lost from view (a channel not loaded yet only counts it, and
// a page that replaces the list, a fresh load or "latest", drops it).
import type { MessageView } from "./types.ts";

export class HeldArrivals {
  private waiting = new Map<string, MessageView[][]>();

  /** True when a page of channel `k` is on its way: `m` waits for it. */
  hold(k: string, m: MessageView): boolean {
    const w = this.waiting.get(k);
    w?.forEach((x) => x.push(m));
    return !!w;
  }

  /** Run `load` (a page of channel `k`), then hand `add` what arrived meanwhile, whether it failed or not. */
  async during<T>(k: string, load: () => Promise<T>, add: (m: MessageView) => void): Promise<T> {
    const mine: MessageView[] = [];
    this.waiting.set(k, [...(this.waiting.get(k) ?? []), mine]);
    try {
      return await load();
    } finally {
      const rest = this.waiting.get(k)!.filter((x) => x !== mine);
      if (rest.length) this.waiting.set(k, rest);
      else this.waiting.delete(k);
      for (const m of mine) add(m);
    }
  }
}
