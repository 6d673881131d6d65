// A Vite plugin that compiles Solid's transitions, scheduler and external sources out of the web
// client. The client never calls startTransition/useTransition, enableScheduling or
// enableExternalSource, so Solid's `Transition`, `Scheduler` and `ExternalSourceConfig` stay null
// for the page's life; Solid still tests them in every signal read and write, and that code
// (~0.5 KB gzip of the first load) stays in the bundle because a minifier cannot see they never
// change. Here they become constants and the functions that would set them throw instead, so
// the minifier drops the dead branches. Each edit must match solid-js's dist/solid.js exactly
// once: a Solid release that changes the text fails the build here instead of shipping a
// half-patched runtime (tests/web/solid-lean.test.ts checks the patched module behaves).
import type { Plugin } from "vite";

const off = (what: string) => `throw new Error("felund: Solid ${what} is compiled out (ui/web/solid-lean.ts)");`;

/** [what it finds, what it becomes]: each must occur exactly once */
const EDITS: [string, string][] = [
  ["let Transition = null;", "const Transition = null;"],
  ["let Scheduler = null;", "const Scheduler = null;"],
  ["let ExternalSourceConfig = null;", "const ExternalSourceConfig = null;"],
  // the one place that would start a transition (startTransition under a scheduler or Suspense)
  ["t = Transition || (Transition = {", `${off("startTransition")}\n      t = ({`],
  // inside `if (Transition)` of completeUpdates: dead once Transition is a constant
  ["      Transition = null;\n", "\n"],
  ["  Scheduler = scheduler;", `  ${off("enableScheduling")}`],
];

/** Apply the edits to solid.js (exported for the test). */
export function leanSolid(code: string): string {
  for (const [from, to] of EDITS) {
    const at = code.indexOf(from);
    if (at < 0 || code.indexOf(from, at + 1) >= 0)
      throw new Error(`solid-lean: expected exactly one ${JSON.stringify(from)} in solid-js/dist/solid.js`);
    code = code.slice(0, at) + to + code.slice(at + from.length);
  }
  // enableExternalSource assigns ExternalSourceConfig: its body becomes the throw
  const head = "function enableExternalSource(factory, untrack = fn => fn()) {";
  const at = code.indexOf(head);
  const end = at < 0 ? -1 : code.indexOf("\n}\n", at);
  if (end < 0) throw new Error("solid-lean: enableExternalSource not found in solid-js/dist/solid.js");
  return `${code.slice(0, at)}${head}\n  ${off("enableExternalSource")}${code.slice(end)}`;
}

export function solidLean(): Plugin {
  return {
    name: "felund-solid-lean",
    enforce: "pre",
    apply: "build",
    transform(code, id) {
      if (/\/node_modules\/solid-js\/dist\/solid\.js$/.test(id)) return { code: leanSolid(code), map: null };
    },
  };
}
