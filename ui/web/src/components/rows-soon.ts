// The message log's rows before the virtual list (virtual-rows.ts, a chunk) is loaded: every row
// rendered, as a short log needs. The first time the log holds more than fits in its view (or is
// scrolled), virtual-rows.ts loads and takes over with the heights of the rows as rendered, so the
// view does not move; from then on only the rows near the view are in the DOM.
import { batch, createEffect, createSignal, getOwner, on, onCleanup, runWithOwner } from "solid-js";
import type { Keyed, createVirtualRows } from "./virtual-rows.ts";

type Opts<R extends Keyed> = Parameters<typeof createVirtualRows<R>>[0];
type Rows<R extends Keyed> = ReturnType<typeof createVirtualRows<R>>;

export function createRows<R extends Keyed>(o: Opts<R>): Omit<Rows<R>, "forget"> {
  const owner = getOwner();
  const [v, setV] = createSignal<Rows<R>>();
  let el: HTMLElement | undefined;
  let head: HTMLElement | undefined;
  let list: HTMLElement | undefined;
  const shown = new Set<HTMLElement>(); // rows rendered before the virtual list
  let asked = false;
  const find = (k: string) => list?.querySelector<HTMLElement>(`[data-vk="${CSS.escape(k)}"]`);
  function grow() {
    if (asked || !el || (el.scrollHeight <= el.clientHeight && o.rows().length < 60)) return;
    asked = true;
    void import("./virtual-rows.ts").then((m) => {
      const seed = new Map<string, number>();
      for (const n of shown) if (n.isConnected) seed.set(n.dataset.vk!, n.offsetHeight);
      const x = runWithOwner(owner, () => m.createVirtualRows({ ...o, seed }))!;
      if (el) x.container(el);
      if (head) x.head(head);
      if (list) x.listRef(list);
      for (const n of shown) if (n.isConnected) x.measure(n, n.dataset.vk!);
      x.scrolled();
      batch(() => setV(() => x));
    });
  }
  createEffect(on(o.rows, () => queueMicrotask(grow)));
  const scrolled = () => {
    const x = v();
    if (x) x.scrolled();
    else grow();
  };
  return {
    visible: () => v()?.visible() ?? o.rows(),
    padTop: () => v()?.padTop() ?? 0,
    padBottom: () => v()?.padBottom() ?? 0,
    container: (n) => void (el = n),
    head: (n) => void (head = n),
    listRef: (n) => void (list = n),
    measure(node, k) {
      const x = v();
      if (x) return x.measure(node, k);
      node.dataset.vk = k;
      shown.add(node);
      onCleanup(() => {
        shown.delete(node);
        v()?.forget(node);
      });
    },
    scrolled,
    toBottom() {
      const x = v();
      if (x) return x.toBottom();
      if (el) el.scrollTop = el.scrollHeight;
      grow();
    },
    reveal(k) {
      const x = v();
      if (x) return x.reveal(k);
      const n = find(k);
      n?.scrollIntoView({ block: "center" });
      return !!n;
    },
    where(k) {
      const x = v();
      if (x) return x.where(k);
      const n = find(k);
      if (!n || !el) return undefined;
      const a = n.getBoundingClientRect();
      const b = el.getBoundingClientRect();
      return a.bottom <= b.top + 1 ? -1 : a.top >= b.bottom ? 1 : 0;
    },
  };
}
