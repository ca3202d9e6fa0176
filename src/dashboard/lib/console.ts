// Nova's noVNC console URL (…/console/vnc_lite.html?path=…%3Ftoken%3D…) → the
// websocket its proxy answers on (…/console/websockify?token=…), on the
// page's origin (see api/catalog.ts for why).

export function consoleToken(consoleUrl: string): string | undefined {
  const u = new URL(consoleUrl);
  const inPath = new URLSearchParams((u.searchParams.get('path') ?? '').replace(/^[^?]*\?/, '')).get('token');
  return inPath ?? u.searchParams.get('token') ?? undefined;
}

export function websocketUrl(consoleUrl: string, pageOrigin: string): string | undefined {
  const token = consoleToken(consoleUrl);
  if (!token) return undefined;
  const u = new URL(`websockify?token=${encodeURIComponent(token)}`, consoleUrl);
  const origin = new URL(pageOrigin);
  u.protocol = origin.protocol === 'https:' ? 'wss:' : 'ws:';
  u.host = origin.host;
  return u.href;
}
