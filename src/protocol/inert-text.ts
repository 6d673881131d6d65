// Untrusted text made inert for a terminal (messages, names and reasons that came from peers):
// pure, so the node's log, the CLI and the TUI share it (ui/shared/safe-text.ts re-exports it).
/**
 * C0 controls but newline (ESC starts every terminal escape: OSC 52 clipboard writes, OSC 0
 * titles, CSI line erasure), DEL, C1 controls, and the bidi marks, embeddings, overrides and
 * isolates, which reorder what follows them on screen. U+2028/U+2029 break lines in some
 * terminals, so they count as newlines.
 */
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Untrusted text made inert for a terminal: every control character becomes U+FFFD (visibly
 * there, acting on nothing), tabs four spaces, CR/CRLF a newline. Newlines stay newlines
 * (the TUI draws them with a hanging indent) or become `newline` (the CLI's "⏎", so a
 * message stays on its own line and cannot start one that looks like another author's).
 */
export function inertText(text: string, newline = "\n"): string {
  return text
    .replace(/\r\n?|[\u2028\u2029]/g, "\n")
    .replace(/\t/g, "    ")
    .replace(UNSAFE, "\ufffd")
    .replace(/\n/g, newline);
}

/** What the CLI shows for a newline inside one line of output. */
export const NEWLINE_MARK = "⏎";
