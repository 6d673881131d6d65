// host:port strings as the reference writes them: IPv6 without brackets, split at the last ':'.
export interface HostPort {
  host: string;
  port: number;
}

/** Python-compatible parse: contains ':', split at the last one, port an integer 1-65535. */
export function parseHostPort(s: string): HostPort | null {
  const t = s.trim();
  const i = t.lastIndexOf(":");
  if (i <= 0) return null;
  let host = t.slice(0, i).trim();
  const portStr = t.slice(i + 1).trim();
  if (!/^\d{1,5}$/.test(portStr)) return null;
  const port = Number(portStr);
  if (port < 1 || port > 65535) return null;
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  if (!host || /\s/.test(host)) return null;
  return { host, port };
}

export const formatHostPort = (host: string, port: number): string => `${host}:${port}`;

export const isRelayUrl = (s: string): boolean =>
  s.startsWith("http://") || s.startsWith("https://") || s.startsWith("//");
