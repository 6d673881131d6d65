// The TUI in OpenTUI's test renderer with a fake backend: frames are captured as text, keys
// are fed through the mock keyboard, and until() re-renders until a frame matches.
import { createTestRenderer, type TestRendererSetup } from "@opentui/core/testing";
import { ChatStore } from "../../ui/shared/chat-store.ts";
import { TuiApp } from "../../ui/tui/app.ts";
import { FakeBackend } from "./fake-backend.ts";

export interface Harness {
  t: TestRendererSetup;
  app: TuiApp;
  store: ChatStore;
  backend: FakeBackend;
  quits: number;
  copied: string[];
  frame(): string;
  lines(): string[];
  until(pred: (frame: string) => boolean, what?: string, ms?: number): Promise<string>;
  type(text: string): Promise<void>;
  enter(): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(
  width: number,
  height: number,
  backend = new FakeBackend(),
  /** copyResult: what the copy says (default: a confirmed copy) */
  opts: { debug?: boolean; copyResult?: string } = {},
): Promise<Harness> {
  const t = await createTestRenderer({ width, height, consoleMode: "disabled" });
  const store = new ChatStore(backend);
  const h: Harness = {
    t,
    store,
    backend,
    quits: 0,
    copied: [],
    app: null as unknown as TuiApp,
    frame: () => t.captureCharFrame(),
    lines: () => t.captureCharFrame().split("\n"),
    async until(pred, what = "frame", ms = 3000) {
      const t0 = Date.now();
      for (;;) {
        await t.renderOnce();
        const f = t.captureCharFrame();
        if (pred(f)) return f;
        if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}; last frame:\n${f}`);
        await Bun.sleep(5);
      }
    },
    async type(text) {
      await t.mockInput.typeText(text);
      await t.renderOnce();
    },
    async enter() {
      t.mockInput.pressEnter();
      await Bun.sleep(1);
      await t.renderOnce();
    },
    async close() {
      h.app.dispose();
      await t.dispose();
    },
  };
  h.app = new TuiApp(t.renderer, store, {
    debug: opts.debug,
    webUrl: "http://127.0.0.1:9990/#token=x",
    stateDir: "/tmp/felund-test",
    onQuit: () => {
      h.quits++;
    },
    copy: async (text) => {
      h.copied.push(text);
      return opts.copyResult ?? "copied to the clipboard (test)";
    },
  });
  await h.app.start();
  await t.renderOnce();
  return h;
}
