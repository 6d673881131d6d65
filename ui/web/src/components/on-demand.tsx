// Components from chunks loaded the first time they are shown (app.tsx, sidebar.tsx).
import { type Component, createSignal, Show, untrack } from "solid-js";

/**
 * A component from a chunk loaded the first time it is shown (Solid's lazy() without the
 * createResource and Suspense code it would bring into every page's first load).
 */
export function onDemand<P extends object>(load: () => Promise<Component<P>>): Component<P> {
  const [C, setC] = createSignal<Component<P>>();
  let asked = false;
  return (p) => {
    if (!asked) {
      asked = true;
      void load().then((c) => setC(() => c));
    }
    return <Show when={C()}>{(c) => untrack(() => c()(p))}</Show>;
  };
}
