// The message log: day dividers, messages grouped by author, notices, and scroll-back that
// loads older history when the top is reached. Sticks to the bottom while you are there. Only the
// rows near the view are in the DOM (virtual-rows.ts), and the store holds a window of the
// channel (chat-window.ts): scrolled back past it, the pages below load again on the way down.
import {
  For,
  Show,
  batch,
  createEffect,
  createMemo,
  createSignal,
  on,
  onCleanup,
  onMount,
  untrack,
  type Component,
} from "solid-js";
import type { Notice } from "../../../shared/chat-store.ts";
import { deliveryText } from "../../../shared/delivery.ts";
import { AUTHOR_COLORS, authorColorIndex, dayKey, dayLabel, formatTime, mentions } from "../../../shared/format.ts";
import type { MessageView } from "../../../shared/types.ts";
import { useApp } from "../app-store.ts";
import { hasNewer } from "../../../shared/chat-state.ts";
import { setRevealer } from "./log-reveal.ts";
import { onDemand } from "./on-demand.tsx";
import { Rich } from "./rich.tsx";
import { createRows } from "./rows-soon.ts";

type Row =
  | { k: string; kind: "day"; label: string }
  | { k: string; kind: "msg"; m: MessageView; cont: boolean }
  | { k: string; kind: "event"; m: MessageView }
  | { k: string; kind: "notice"; n: Notice };

// an attachment's view (thumbnail, download) is a chunk loaded when the first one is shown
const File = onDemand(() => import("./attachment.tsx").then((x) => x.Attachment));

// replies, reactions, edits, deletes and a message's actions (message-body.tsx): a chunk loaded at the first
// message that shows any, or the first hover, tap or focus on a message; until then the text shows as stored
const [Body, setBody] = createSignal<Component<{ m: MessageView }>>();
export const loadBody = () => import("./message-body.tsx").then((x) => (setBody(() => x.MessageBody), x));
const needsBody = (m: MessageView) => (m.reply || m.reactions || m.edited || m.deleted) && void loadBody();

// the marks few messages have (an author unproven, a late arrival): a chunk, loaded at the first one
const Unverified = onDemand(() => import("./msg-marks.tsx").then((m) => m.Unverified));
const Late = onDemand(() => import("./msg-marks.tsx").then((m) => m.Late));
// the debug log (/debug), a chunk
const Debug = onDemand(() => import("./debug-pane.tsx").then((m) => m.DebugPane));

/** Messages within this many seconds from the same author share one header. */
const GROUP_S = 300;

export function MessageLog() {
  const app = useApp();
  let el!: HTMLDivElement;
  let atBottom = true;
  // the jump button: to the "new messages" line while it is above the view, else to the latest
  const [jump, setJump] = createSignal("");
  const hasMore = () => app.state().hasMore[app.key()] !== false && app.messages().length > 0;
  // scrolled back past the store's window: the newest are not loaded, the bottom is not the latest
  const below = () => hasNewer(app.state(), app.key());

  const dayRow = (ts: number): Row => {
    const label = dayLabel(ts, app.today());
    return { k: `d${label}`, kind: "day", label };
  };
  // Rows are cached by key so unchanged messages keep their DOM nodes.
  let cache = new Map<string, Row>();
  const rows = createMemo(() => {
    const msgs = app.messages();
    const notices = (app.state(), app.core.noticesIn(app.key()));
    const newFrom = app.state().newFrom[app.key()];
    const next = new Map<string, Row>();
    const out: Row[] = [];
    const put = (r: Row) => {
      const old = cache.get(r.k);
      const keep = old && (old.kind !== "msg" || (r.kind === "msg" && old.m === r.m && old.cont === r.cont));
      const row = keep ? old! : r;
      next.set(r.k, row);
      out.push(row);
    };
    let day = "";
    let prev: MessageView | null = null;
    let i = 0;
    let j = 0;
    while (i < msgs.length || j < notices.length) {
      const m = msgs[i];
      const n = notices[j];
      if (m && (!n || m.sortTs <= n.ts)) {
        const d = dayKey(m.sortTs);
        if (d !== day) {
          put(dayRow(m.sortTs));
          day = d;
          prev = null;
        }
        if (m.msgId === newFrom) {
          put({ k: "new", kind: "day", label: "new messages" });
          prev = null;
        }
        if (m.event) {
          put({ k: `e${m.msgId}`, kind: "event", m });
          prev = null;
          i++;
          continue;
        }
        const cont =
          !!prev &&
          prev.authorNodeId === m.authorNodeId &&
          m.sortTs - prev.sortTs < GROUP_S &&
          prev.verified === m.verified;
        put({ k: `m${m.msgId}`, kind: "msg", m, cont });
        prev = m;
        i++;
      } else {
        const d = dayKey(n!.ts);
        if (d !== day && msgs.length) {
          put(dayRow(n!.ts));
          day = d;
        }
        put({ k: `n${n!.id}`, kind: "notice", n: n! });
        prev = null;
        j++;
      }
    }
    cache = next;
    return out;
  });

  const v = createRows({
    rows,
    sort: (r) => (r.kind === "msg" && r.cont ? "cont" : r.kind),
    guess: (sort) => ({ msg: 52, cont: 26, day: 34, event: 21, notice: 28 })[sort] ?? 30,
    stick: () => atBottom && !below(),
    steady: (r) => r.kind !== "day",
  });
  const toBottom = () => {
    v.toBottom();
    atBottom = true;
    check();
  };
  // the page loading ("older", "newer"), if one is
  const [paging, setPaging] = createSignal("");
  const loading = () => paging() === "older";
  /** Page the window: older at the top, newer (scrolled back past the window) at the bottom. */
  async function page(dir: "older" | "newer") {
    if (paging() || app.core.jumping || (dir === "older" ? !hasMore() : !below())) return;
    setPaging(dir);
    try {
      await (dir === "older" ? app.core.loadOlder() : app.core.loadNewer());
    } catch (e) {
      app.notice(`could not load ${dir} messages: ${(e as Error).message}`, "error");
    } finally {
      setPaging("");
    }
    // (the view stays on the row it showed: virtual-rows.ts keeps its anchor; the next page if still at an edge)
    requestAnimationFrame(onScroll);
  }
  const loadOlder = () => page("older");
  async function latest() {
    atBottom = true; // (the newest page lands at the bottom)
    if (below()) await app.core.toLatest();
    toBottom();
    requestAnimationFrame(() => requestAnimationFrame(() => atBottom && toBottom())); // once its rows are measured
  }

  /** Bring a row to the middle of the view: no longer at the bottom (its rows measured must not pull it down). */
  function reveal(k: string): boolean {
    const was = atBottom;
    atBottom = false;
    const ok = v.reveal(k);
    if (ok) check();
    else atBottom = was;
    return ok;
  }

  let seen = false; // the "new messages" line has been on screen: no jump back to it
  function check() {
    const where = v.where("new");
    const above = where === -1;
    seen ||= where === 0 || where === 1;
    setJump(above && !seen ? "↑ new messages" : atBottom && !below() ? "" : "↓ latest");
  }
  // the scroll position is read before anything changes (a read after a change costs a layout), and a
  // page fetched ahead lands in the same batch: the rows are rendered once, for where the view ends up
  const onScroll = () => {
    const top = el.scrollTop;
    const under = el.scrollHeight - top - el.clientHeight;
    batch(() => {
      v.scrolled();
      atBottom = under < 48;
      check();
      if (top < 120) void page("older");
      else if (under < 120) void page("newer");
    });
  };

  // new rows: follow them if we were at the bottom (or if we sent them: a new last row of ours; not
  // an older page, nor the window moving back, which leaves the last row or puts an older one there)
  let lastK = "";
  createEffect(
    on(rows, (r) => {
      const last = r[r.length - 1];
      const own = last?.kind === "msg" && last.m.own && last.k !== lastK;
      lastK = last?.k ?? "";
      if (!below() && (atBottom || own)) queueMicrotask(toBottom);
    }),
  );
  // another channel: start at the bottom
  createEffect(
    on(app.key, () => {
      seen = false;
      queueMicrotask(toBottom);
    }),
  );
  onMount(() => {
    toBottom();
    // a shrinking log (a phone's keyboard opening) stays pinned to the bottom; a scroll event
    // may see the new size first, so "at the bottom" is also judged by the height before
    let h = 0;
    new ResizeObserver(() => {
      if ((atBottom || el.scrollHeight - el.scrollTop - h < 48) && !below()) toBottom();
      else v.scrolled();
      h = el.clientHeight;
    }).observe(el);
    // a search result, pin or quote: its row is rendered and in the middle of the view
    setRevealer((id) => reveal(`m${id}`));
    onCleanup(() => setRevealer(null));
  });

  return (
    <div
      class="log"
      ref={(n) => {
        el = n;
        v.container(n);
      }}
      onScroll={onScroll}
      data-testid="log"
      role="log"
      aria-live="polite"
    >
      <div class="log-top" ref={v.head}>
        <Show
          when={hasMore()}
          fallback={
            <div class="log-start">
              <h2>#{app.state().channelId}</h2>
              <p class="muted">
                This is the beginning of #{app.state().channelId}
                {app.circle()?.name ? ` in ${app.circle()!.name}` : ""}.
              </p>
            </div>
          }
        >
          <button type="button" class="ghost small" disabled={loading()} onClick={loadOlder}>
            {loading() ? "Loading…" : "Load older messages"}
          </button>
        </Show>
      </div>
      <div class="vlist" ref={v.listRef}>
        <div style={{ height: `${v.padTop()}px` }} />
        <For each={v.visible()}>
          {(r) => {
            const view = rowView(r);
            return (
              <div class="vrow" ref={(n) => v.measure(n, r.k)}>
                {view}
              </div>
            );
          }}
        </For>
        <div style={{ height: `${v.padBottom()}px` }} />
      </div>
      {/* empty (nothing to jump to) is hidden by its style */}
      <button
        type="button"
        class="jump"
        data-testid="jump"
        onClick={() => (jump()[0] === "↑" ? reveal("new") : void latest())}
      >
        {jump()}
      </button>
      <Show when={app.state().debugOn}>
        <Debug />
      </Show>
    </div>
  );
}

/** A row's view. A row object is one state of its row (a changed row is a new object, rendered anew): nothing here is reactive. */
function rowView(r: Row) {
  if (r.kind === "msg") return <Message m={r.m} cont={r.cont} />;
  if (r.kind === "event") {
    const text = r.m.text;
    return <div class="timeline">{text}</div>;
  }
  if (r.kind === "notice") {
    const { kind, text } = r.n;
    return (
      <div class={kind === "error" ? "notice error" : "notice"} data-testid="notice">
        {text}
      </div>
    );
  }
  const { k, label } = r;
  return (
    // biome-ignore lint/a11y/useSemanticElements: a day separator with its date as text (an <hr> holds no text)
    <div class={k === "new" ? "day new-line" : "day"} role="separator">
      <span>{label}</span>
    </div>
  );
}

// A message row. Its message is fixed (a message that changed is a new row: rowView), so what only
// depends on it is made once, not watched: names, mentions and the body chunk are what change here.
function Message(p: { m: MessageView; cont: boolean }) {
  const app = useApp();
  const m = p.m;
  const at = new Date(m.createdTs * 1000);
  const iso = at.toISOString();
  const local = at.toLocaleString();
  const time = formatTime(m.createdTs);
  const color = AUTHOR_COLORS[authorColorIndex(m.authorNodeId)];
  const mark = m.verified !== "sig" && <Unverified m={m} />;
  const head = !p.cont && (
    <header class="msg-head">
      <span class="author" style={{ color }} title={m.authorNodeId}>
        {(app.state(), app.core.authorName(m))}
      </span>
      {mark}
    </header>
  );
  const d = m.delivery;
  const tail = [
    m.text.startsWith("📎") && <File m={m} />,
    m.late && <Late m={m} />,
    d && (
      <span class="dlv" data-state={d.state} title={deliveryText(d)}>
        {d.state === "sent" ? "✓" : "◷"}
      </span>
    ),
  ];
  const mentioned = () => !m.own && mentions(m.text, [app.me()], app.names());
  return (
    <article
      class="msg"
      classList={{ cont: p.cont, mention: mentioned(), own: m.own }}
      data-msg-id={m.msgId}
      data-testid="message"
      // biome-ignore lint/a11y/noNoninteractiveTabindex: focusable, so its actions (reply, react, edit…) are keyboard-reachable
      tabIndex={0}
      onPointerEnter={loadBody}
      onFocusIn={loadBody}
    >
      <time class="msg-time" dateTime={iso} title={local}>
        {time}
      </time>
      <div class="msg-main">
        {head}
        <Show
          when={Body() ?? needsBody(m)}
          fallback={
            <div class="msg-text">
              <Rich text={m.text} me={app.me()} names={app.names()} />
            </div>
          }
        >
          {(B) => untrack(() => B()(p))}
        </Show>
        {tail}
      </div>
    </article>
  );
}
