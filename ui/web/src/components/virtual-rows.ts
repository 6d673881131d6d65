// A virtual list for the message log (issue 17): of a long list of keyed rows only those near the
// view are in the DOM, between two spacers that stand for the rest. Row heights are estimated
// (a running mean per sort of row) until a row is shown, then measured (a ResizeObserver: an
// image's late height corrects it). Position is kept by an anchor, the row at the top of the view:
// whatever changes above it (an older page, a height measured, rows dropped) the view stays on
// it, unless the list sticks to its bottom. The rows themselves are the caller's components.
import { type Accessor, batch, createEffect, createMemo, createSignal, on, onCleanup } from "solid-js";

export interface Keyed {
  k: string;
}

/** Pixels rendered beyond each edge of the view, at least (else one view height). */
const OVERSCAN_MIN = 400;
/**
 * Right after a jump (the view moved off the rows rendered: a scroll to an end, a page landing
 * there) only this much is rendered beyond the view's edges, so that the frame that shows it has
 * fewer rows to make; the full overscan follows when the page is idle after that frame.
 */
const OVERSCAN_JUMP = 100;

/** The index of the row that holds offset `y` (offsets: a prefix sum, off[0] = 0). */
function rowAt(off: Float64Array, y: number): number {
  let lo = 0;
  let hi = off.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (off[mid]! <= y) lo = mid;
    else hi = mid - 1;
  }
  return Math.max(0, lo);
}

export function createVirtualRows<R extends Keyed>(o: {
  rows: Accessor<R[]>;
  /** the sort of a row for its height estimate ("msg", "msg-cont", "day"…) and its first guess */
  sort: (r: R) => string;
  guess: (sort: string) => number;
  /** the list sticks to its bottom now (new rows and late heights keep it there) */
  stick: () => boolean;
  /** a row that keeps its place among the others (a day separator keyed by its label does not: it moves up as older rows come) */
  steady: (r: R) => boolean;
  /** heights already known (the rows as rendered before this list took over: rows-soon.ts) */
  seed?: Map<string, number>;
}) {
  let el: HTMLElement | undefined; // the scroll container
  let list: HTMLElement | undefined; // the rows' container inside it
  const sizes = new Map<string, number>(o.seed);
  const means = new Map<string, { n: number; sum: number }>();
  for (const r of o.seed ? o.rows() : []) {
    const h = sizes.get(r.k);
    const m = means.get(o.sort(r)) ?? { n: 0, sum: 0 };
    if (h !== undefined) means.set(o.sort(r), { n: m.n + 1, sum: m.sum + h });
  }
  const [version, setVersion] = createSignal(0);
  const [view, setView] = createSignal({ top: 0, height: 0 });
  // the row at the top of the view and how far the view's top is below that row's top
  const [anchor, setAnchor] = createSignal<{ k: string; d: number } | null>(null);
  // after a jump: the overscan is narrow until the frame that shows the view is painted
  const [narrow, setNarrow] = createSignal(false);

  const estimate = (r: R) => {
    const s = o.sort(r);
    const m = means.get(s);
    return m ? m.sum / m.n : o.guess(s);
  };
  const layout = createMemo(() => {
    version();
    const rows = o.rows();
    const off = new Float64Array(rows.length + 1);
    const at = new Map<string, number>();
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      at.set(r.k, i);
      off[i + 1] = off[i]! + (sizes.get(r.k) ?? estimate(r));
    }
    // sizes of rows gone from the list are forgotten (the store holds a window; the map follows it)
    if (sizes.size > rows.length * 2) for (const k of sizes.keys()) if (!at.has(k)) sizes.delete(k);
    return { rows, off, at };
  });
  // where the view's top is in the list: from the anchor (or the bottom), so that rows changing above
  // it render the right rows at once, before the scroll position follows (restore)
  const top = createMemo(() => {
    const { off, at } = layout();
    const v = view();
    if (o.stick()) return Math.max(0, off[off.length - 1]! - v.height);
    const a = anchor();
    const i = a ? at.get(a.k) : undefined;
    return i === undefined ? v.top : off[i]! + a!.d;
  });
  const range = createMemo(
    () => {
      const { rows, off } = layout();
      const t = top();
      const h = view().height;
      if (!rows.length) return [0, 0] as const;
      const over = narrow() ? OVERSCAN_JUMP : Math.max(OVERSCAN_MIN, h);
      return [rowAt(off, t - over), Math.min(rows.length, rowAt(off, t + h + over) + 1)] as const;
    },
    [0, 0] as const,
    { equals: (a, b) => a[0] === b[0] && a[1] === b[1] },
  );
  const visible = createMemo(() => layout().rows.slice(range()[0], range()[1]));

  /** Where the list starts in the scroll container's content (the container is its offsetParent); read
   * again only when what is above the list changed size (a layout read per scroll costs a forced layout) */
  let baseAt: number | null = null;
  const base = () => (!list ? 0 : (baseAt ??= list.offsetTop));
  /** The view as the scroll position says, and the row at its top; `scrolled`: after a scroll event. */
  const capture = (scrolled?: boolean) => {
    if (!el) return;
    const { rows, off } = layout();
    const t = el.scrollTop - base();
    const h = el.clientHeight;
    let i = rowAt(off, t);
    while (i < rows.length - 1 && !o.steady(rows[i]!)) i++;
    const [a, b] = range();
    // a scroll that jumped off the rows rendered (a view that grew did not jump; nor did a move made
    // here, to the bottom or to a row: its rows are wanted at once, the overscan with them)
    const jump = scrolled && !narrow() && h <= view().height && (t < off[a]! || t + h > off[b]!);
    batch(() => {
      if (jump) {
        setNarrow(true);
        // (when the page is idle after that frame, within 300 ms: a user who keeps jumping gets the next view first)
        const wide = () => setNarrow(false);
        requestAnimationFrame(() =>
          "requestIdleCallback" in self ? requestIdleCallback(wide, { timeout: 300 }) : setTimeout(wide, 50),
        );
      }
      setView({ top: t, height: h });
      setAnchor(rows[i] ? { k: rows[i]!.k, d: t - off[i]! } : null);
    });
  };
  const toBottom = () => {
    if (!el) return;
    el.scrollTop = el.scrollHeight;
    capture();
  };
  /** After the list or a height changed: the scroll position follows the anchor (or the bottom). */
  const restore = () => {
    if (!el) return;
    if (o.stick()) return toBottom();
    const want = base() + top();
    if (Math.abs(el.scrollTop - want) >= 1) el.scrollTop = want;
  };
  createEffect(on(layout, restore, { defer: true }));

  // PageUp/PageDown scroll the list from the composer, from a row, or with nothing focused (a
  // clicked row the list has since replaced leaves the focus on the page); a list that fits its
  // view has nothing to scroll (and is not virtual yet: rows-soon.ts)
  const onPage = (e: KeyboardEvent) => {
    const t = e.target as HTMLElement;
    const editing = /^(TEXTAREA|INPUT)$/.test(t.tagName);
    if (!el || !/^Page(Up|Down)$/.test(e.key) || e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
    if (t !== document.body && !(el.contains(t) && !editing) && !(editing && t.closest(".inputbar"))) return;
    e.preventDefault();
    el.scrollBy(0, (e.key === "PageUp" ? -1 : 1) * Math.max(40, el.clientHeight - 48));
  };
  addEventListener("keydown", onPage);
  onCleanup(() => removeEventListener("keydown", onPage));

  const ro = new ResizeObserver((entries) => {
    let changed = false;
    for (const e of entries) {
      const node = e.target as HTMLElement;
      if (node.dataset.vhead !== undefined || node === el) baseAt = null;
      const k = node.dataset.vk;
      if (!k || !node.isConnected) continue;
      const h = e.borderBoxSize?.[0]?.blockSize ?? node.offsetHeight;
      const old = sizes.get(k);
      if (old === h) continue;
      const r = layout().rows[layout().at.get(k) ?? -1];
      if (r && old === undefined) {
        const s = o.sort(r);
        const m = means.get(s) ?? { n: 0, sum: 0 };
        if (m.n < 1000) means.set(s, { n: m.n + 1, sum: m.sum + h });
      }
      sizes.set(k, h);
      changed = true;
    }
    if (changed) setVersion((v) => v + 1);
  });
  onCleanup(() => ro.disconnect());

  return {
    visible,
    padTop: () => layout().off[range()[0]] ?? 0,
    padBottom: () => {
      const { off } = layout();
      return (off[off.length - 1] ?? 0) - (off[range()[1]] ?? 0);
    },
    /** ref of the scroll container and of the rows' container */
    container(node: HTMLElement) {
      el = node;
      ro.observe(node);
    },
    /** ref of what is above the list in the container (its height moves the list) */
    head(node: HTMLElement) {
      node.dataset.vhead = "";
      ro.observe(node);
    },
    listRef(node: HTMLElement) {
      list = node;
    },
    /** ref of a row's element: measured while it is shown */
    measure(node: HTMLElement, k: string) {
      node.dataset.vk = k;
      ro.observe(node);
      onCleanup(() => ro.unobserve(node));
    },
    /** a row's element gone (shown before this list took over, so not unobserved by measure's cleanup) */
    forget: (node: HTMLElement) => ro.unobserve(node),
    /** the user scrolled (or the container was resized) */
    scrolled: () => capture(true),
    toBottom,
    /** Bring a row into the middle of the view (rendered now); false when it is not in the list. */
    reveal(k: string): boolean {
      const { off, at } = layout();
      const i = at.get(k);
      if (i === undefined || !el) return false;
      const h = off[i + 1]! - off[i]!;
      el.scrollTop = base() + off[i]! - Math.max(0, (el.clientHeight - h) / 2);
      capture();
      return true;
    },
    /** Where a row is against the view: -1 above it, 0 in it, 1 below it; undefined when not in the list. */
    where(k: string): -1 | 0 | 1 | undefined {
      const { off, at } = layout();
      const i = at.get(k);
      if (i === undefined) return undefined;
      const t = top();
      return off[i + 1]! <= t + 1 ? -1 : off[i]! >= t + view().height ? 1 : 0;
    },
  };
}
