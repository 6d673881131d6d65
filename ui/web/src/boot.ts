// How the page starts: which mode the server says it runs in (meta tags filled in by
// src/node/web-static.ts), and the local-node token taken from the URL fragment.
export type Mode = "local" | "relay";

const TOKEN_KEY = "felund.token";

export function pageConfig(): { mode: Mode; relayBase: string } {
  const meta = (name: string) => document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content ?? "";
  return { mode: meta("felund-mode") === "relay" ? "relay" : "local", relayBase: meta("felund-relay") };
}

/**
 * The token arrives as #token=<hex> in the URL `felund serve` prints. Keep it in this
 * origin's localStorage and take it out of the address bar (history, screenshots, shoulders).
 */
export function takeToken(): string | null {
  const m = location.hash.match(/(?:^#|&)token=([0-9a-fA-F]{16,128})(?:&|$)/);
  if (m) {
    try {
      localStorage.setItem(TOKEN_KEY, m[1]!.toLowerCase());
    } catch {
      /* private mode: keep it for this page only */
    }
    history.replaceState(null, "", location.pathname + location.search);
    return m[1]!.toLowerCase();
  }
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function forgetToken(): void {
  try {
    localStorage.removeItem(TOKEN_KEY);
  } catch {
    /* nothing stored */
  }
}

export function registerServiceWorker(): void {
  if ("serviceWorker" in navigator && isSecureContext) navigator.serviceWorker.register("/sw.js").catch(() => {});
}
