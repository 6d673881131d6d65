// The shared /attach and /save commands in the web client (a page cannot read a path): /attach
// opens the browser's file chooser (with or without a path), the chosen file is sent to the
// channel; /save N hands the Nth message's file over as a download with the same bytes; /save
// on a message that is no file is refused with a notice.
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Browser } from "playwright-core";
import { removeTempDirs } from "../cli/helpers.ts";
import { api, launchBrowser, newPage, say, type ServeNode, startServe } from "./browser.ts";
import { waitFor } from "./relay-helpers.ts";

let browser: Browser;
let node: ServeNode;
const errors: string[] = [];
beforeAll(async () => {
  browser = await launchBrowser();
  node = await startServe("gus");
}, 40_000);
afterAll(async () => {
  await browser?.close();
  node?.stop();
  removeTempDirs();
  expect(errors).toEqual([]);
});

test("/attach opens the file chooser and sends the file; /save 1 downloads it; /save on text is refused", async () => {
  await api(node, "POST", "/circles", { name: "files" });
  const { page: p } = await newPage(browser);
  p.on("pageerror", (e) => errors.push(e.message));
  await p.goto(node.url);
  await p.waitForSelector('[data-testid="channel-title"]');
  const bytes = Buffer.from("felund notes\n".repeat(50));

  const [chooser] = await Promise.all([p.waitForEvent("filechooser", { timeout: 5000 }), say(p, "/attach")]);
  expect(chooser.isMultiple()).toBe(true);
  await chooser.setFiles({ name: "notes.txt", mimeType: "text/plain", buffer: bytes });
  await waitFor(
    "the file message",
    () => p.evaluate(() => document.querySelector('[data-testid="log"]')?.textContent?.includes("notes.txt")),
    10_000,
  );
  // a path names nothing a page can read: the chooser again
  const [again] = await Promise.all([p.waitForEvent("filechooser", { timeout: 5000 }), say(p, "/attach /etc/passwd")]);
  await again.setFiles([]);

  const [dl] = await Promise.all([p.waitForEvent("download", { timeout: 10_000 }), say(p, "/save 1")]);
  expect(dl.suggestedFilename()).toBe("notes.txt");
  const got = await Bun.file((await dl.path())!).arrayBuffer();
  expect(Buffer.from(got).equals(bytes)).toBe(true);
  await waitFor(
    "the saved notice",
    () => p.evaluate(() => document.querySelector('[data-testid="log"]')?.textContent?.includes("saved")),
    5000,
  );

  await say(p, "plain words");
  await say(p, "/save 1");
  await waitFor(
    "the refusal",
    () =>
      p.evaluate(() =>
        document.querySelector('[data-testid="log"]')?.textContent?.includes("message 1 from the bottom is not a file"),
      ),
    5000,
  );
}, 60_000);
