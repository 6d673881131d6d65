// STUN/TURN servers for calls: a setting of this browser (F3), none by default — on a LAN or
// loopback, host candidates are enough; across NATs a STUN server (and for strict NATs a
// TURN server) is needed. Kept in localStorage; read when a call starts.
export interface IceSettings {
  stun: string;
  turnUrl: string;
  turnUser: string;
  turnCredential: string;
}

const KEY = "felund.ice";
const EMPTY: IceSettings = { stun: "", turnUrl: "", turnUser: "", turnCredential: "" };

export function loadIce(): IceSettings {
  try {
    return { ...EMPTY, ...JSON.parse(localStorage.getItem(KEY) ?? "{}") };
  } catch {
    return { ...EMPTY };
  }
}

/** Checks the URLs (stun:/stuns:/turn:/turns:) and stores them; returns an error to show, or "". */
export function saveIce(s: IceSettings): string {
  const stun = s.stun.split(/[\s,]+/).filter(Boolean);
  if (stun.some((u) => !/^stuns?:[^\s]+$/.test(u))) return "STUN servers look like stun:host:port";
  if (s.turnUrl && !/^turns?:[^\s]+$/.test(s.turnUrl.trim())) return "a TURN server looks like turn:host:port";
  try {
    localStorage.setItem(KEY, JSON.stringify({ ...s, stun: stun.join(" "), turnUrl: s.turnUrl.trim() }));
  } catch {
    /* private mode: not kept */
  }
  return "";
}

export function iceServers(s: IceSettings = loadIce()): RTCIceServer[] {
  const out: RTCIceServer[] = s.stun
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((urls) => ({ urls }));
  if (s.turnUrl) out.push({ urls: s.turnUrl, username: s.turnUser, credential: s.turnCredential });
  return out;
}
