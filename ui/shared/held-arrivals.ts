// Messages that arrive while a page of their channel is on its way (chat-store.ts) wait for it
// and are added after it. The page may have been read before such a message was stored: added
// before the page, the message was lost from view (a channel not loaded yet only counts it, and
// a page that replaces the list, a fresh load or "latest", drops it).
import type { MessageView } from "./types.ts";

export class HeldArrivals {
  /** per channel: its pages on their way, and the messages waiting for them */
  private w: Record<string, { n: number; ms: MessageView[] }> = {};

  /** True when a page of channel `k` is on its way: `m` waits for it. */
  hold(k: string, m: MessageView): boolean {
    return !!this.w[k]?.ms.push(m);
  }

  /** Run `load` (a page of channel `k`); once no page of it is on its way, hand `add` what arrived meanwhile. */
  async during<T>(k: string, load: () => Promise<T>, add: (m: MessageView) => void): Promise<T> {
    const h = (this.w[k] ??= { n: 0, ms: [] });
    h.n++;
    try {
      return await load();
    } finally {
      if (!--h.n) {
        delete this.w[k];
        h.ms.forEach(add);
      }
    }
  }
}
