// The search panel (Ctrl+F, /search words): a query over the active circle's history, all
// channels or one, results newest first with channel, author, time and the matching words
// marked (text nodes only, never HTML); "More" pages on; a click opens the message in its
// channel (ui/shared/search.ts loads history back to it), scrolled to and marked. A chunk of
// its own, loaded on first use.
import { For, Show, createSignal, onMount } from "solid-js";
import { formatDateTime } from "../../../shared/format.ts";
import { jumpTo, onReveal, search } from "../../../shared/search.ts";
import type { SearchHit, SearchPage } from "../../../shared/types.ts";
import { type AppStore, useApp } from "../app-store.ts";
import { revealMessage } from "./log-reveal.ts";
import { Modal } from "./modal.tsx";

const revealing = new WeakSet<object>();
/** Once per page: a jump's message is scrolled to the middle of the log and marked for a moment. */
export function revealInLog(app: AppStore) {
  if (revealing.has(app.core)) return;
  revealing.add(app.core);
  onReveal(app.core, (hit) =>
    // after the log's own scrolling for the channel switch and the pages loaded
    setTimeout(() =>
      requestAnimationFrame(() => {
        const el = revealMessage(hit.msgId);
        if (!el) return;
        el.scrollIntoView({ block: "center" });
        // the log learns now that it is no longer at the bottom (new rows must not pull it down)
        el.closest(".log")?.dispatchEvent(new Event("scroll"));
        el.classList.add("found");
        setTimeout(() => el.classList.remove("found"), 4000);
      }),
    ),
  );
}

/** The snippet as text pieces, the matches in <mark>. */
function Snippet(p: { hit: SearchHit }) {
  const parts = () => {
    const { text, marks } = p.hit.snippet;
    const out: { t: string; mark: boolean }[] = [];
    let at = 0;
    for (const [a, b] of marks) {
      out.push({ t: text.slice(at, a), mark: false }, { t: text.slice(a, b), mark: true });
      at = b;
    }
    out.push({ t: text.slice(at), mark: false });
    return out;
  };
  return <For each={parts()}>{(x) => (x.mark ? <mark>{x.t}</mark> : x.t)}</For>;
}

export default function SearchPanel() {
  const app = useApp();
  revealInLog(app);
  const circleId = app.state().circleId;
  const [query, setQuery] = createSignal(app.modal()?.arg ?? "");
  const [channel, setChannel] = createSignal("");
  const [page, setPage] = createSignal<SearchPage | null>(null);
  const [error, setError] = createSignal("");
  const [busy, setBusy] = createSignal(false);

  async function run(more = false) {
    if (!circleId || !query().trim()) return;
    setBusy(true);
    setError("");
    try {
      const prev = more ? page() : null;
      const opts = { ...(channel() ? { channelId: channel() } : {}), ...(prev?.next ? { before: prev.next } : {}) };
      const p = await search(app.core, query(), opts, circleId);
      setPage(prev ? { hits: [...prev.hits, ...p.hits], ...(p.next ? { next: p.next } : {}) } : p);
    } catch (e) {
      setPage(null);
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }
  async function open(hit: SearchHit) {
    try {
      await jumpTo(app.core, hit);
      app.closeModal();
    } catch (e) {
      setError((e as Error).message);
    }
  }
  onMount(() => void run());

  return (
    <Modal title={`Search ${app.circle()?.name || "this circle"}`} testid="search-modal" wide>
      <form
        class="search-form"
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        <input
          type="search"
          name="q"
          aria-label="Search words"
          placeholder='words, or "a phrase"'
          value={query()}
          onInput={(e) => setQuery(e.currentTarget.value)}
          autofocus
          enterkeyhint="search"
        />
        <select
          aria-label="Channel"
          value={channel()}
          onChange={(e) => {
            setChannel(e.currentTarget.value);
            void run();
          }}
        >
          <option value="">all channels</option>
          <For each={app.circle()?.channels ?? []}>{(c) => <option value={c.channelId}>#{c.channelId}</option>}</For>
        </select>
        <button type="submit" class="primary" disabled={busy()}>
          Search
        </button>
      </form>
      <Show when={error()}>
        <p class="error-text" role="alert">
          {error()}
        </p>
      </Show>
      <Show when={page()}>
        {(p) => (
          <>
            <p class="muted small" data-testid="search-count">
              {p().hits.length ? `${p().hits.length}${p().next ? "+" : ""} found, newest first` : "nothing found"}
            </p>
            <ul class="search-hits">
              <For each={p().hits}>
                {(h) => (
                  <li>
                    <button type="button" class="search-hit" data-testid="search-hit" onClick={() => void open(h)}>
                      <span class="search-meta">
                        <span class="search-ch">#{h.channelId}</span> <b>{app.core.authorName(h)}</b>{" "}
                        <time class="muted">{formatDateTime(h.createdTs)}</time>
                      </span>
                      <span class="search-text">
                        <Snippet hit={h} />
                      </span>
                    </button>
                  </li>
                )}
              </For>
            </ul>
            <Show when={p().next}>
              <button type="button" class="ghost wide" disabled={busy()} onClick={() => void run(true)}>
                More
              </button>
            </Show>
          </>
        )}
      </Show>
    </Modal>
  );
}
