// A value fetched for a reactive source, for the dialogs (invite code, invite list): what
// Solid's createResource gives them, without createResource itself, whose Suspense and
// hydration machinery would otherwise be in every page's first load (the shared solid-js chunk).
import { createEffect, createSignal, on, untrack } from "solid-js";

export interface Fetched<T> {
  /** the last value fetched (kept while the next one loads) */
  (): T | undefined;
  readonly loading: boolean;
  readonly error: unknown;
  refetch(): void;
}

/** Fetch `load(source())` now and whenever the source changes; a falsy source fetches nothing. An older answer never overwrites a newer one. */
export function fetched<S, T>(source: () => S | null | undefined | false, load: (s: S) => Promise<T>): Fetched<T> {
  const [value, setValue] = createSignal<T>();
  const [loading, setLoading] = createSignal(false);
  const [error, setError] = createSignal<unknown>();
  let run = 0;
  const go = (s: S | null | undefined | false) => {
    const mine = ++run;
    setLoading(!!s);
    if (!s) return;
    load(s).then(
      (v) => mine === run && (setValue(() => v), setError(undefined), setLoading(false)),
      (e) => mine === run && (setError(e), setLoading(false)),
    );
  };
  createEffect(on(source, go));
  const f = (() => value()) as Fetched<T>;
  Object.defineProperties(f, { loading: { get: loading }, error: { get: error } });
  f.refetch = () => go(untrack(source));
  return f;
}
