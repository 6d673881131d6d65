// The open message log's "bring this message into view" (it renders only the rows near its view,
// virtual-rows.ts): a search result, a pin or a reply quote asks it before looking for the element.
let revealer: ((msgId: string) => boolean) | null = null;

/** Set by the mounted message log (null when it goes). */
export function setRevealer(fn: ((msgId: string) => boolean) | null): void {
  revealer = fn;
}

/** Scroll the log to a loaded message and render it; its element, or null when it is not loaded. */
export function revealMessage(msgId: string): HTMLElement | null {
  revealer?.(msgId);
  return document.querySelector<HTMLElement>(`.log [data-msg-id="${CSS.escape(msgId)}"]`);
}
