import RFB from '@novnc/novnc';
import '../../styles/console.css';
import { useEffect, useRef, useState } from 'react';
import { call } from '../../api/client.js';
import type { ApiError } from '../../api/errors.js';
import type { Server } from '../../api/types.js';
import { useSession } from '../../app/session.js';
import { ErrorBox, Spinner } from '../../components/States.js';
import { websocketUrl } from '../../lib/console.js';

type State = 'asking' | 'connecting' | 'connected' | 'none' | 'closed';

/** The live console: Nova's remote console (noVNC) drawn by noVNC's RFB client; its own chunk. */
export default function Console({ server }: { server: Server }) {
  const session = useSession();
  const screen = useRef<HTMLDivElement>(null);
  const rfb = useRef<RFB | null>(null);
  const [state, setState] = useState<State>('asking');
  const [url, setUrl] = useState<string>();
  const [error, setError] = useState<ApiError | null>(null);

  useEffect(() => {
    let gone = false;
    call<{ remote_console: { url: string } }>(session, 'compute', `/servers/${server.id}/remote-consoles`, {
      method: 'POST',
      body: { remote_console: { protocol: 'vnc', type: 'novnc' } },
    })
      .then(({ remote_console }) => {
        if (gone || !screen.current) return;
        setUrl(remote_console.url);
        const ws = websocketUrl(remote_console.url, location.origin);
        if (!ws) return setState('none');
        setState('connecting');
        const r = new RFB(screen.current, ws);
        r.scaleViewport = true;
        r.addEventListener('connect', () => setState('connected'));
        // a guest without a screen (one not running) refuses the websocket before any frame
        r.addEventListener('disconnect', () => setState((s) => (s === 'connected' ? 'closed' : 'none')));
        rfb.current = r;
      })
      .catch((e: ApiError) => !gone && setError(e));
    return () => {
      gone = true;
      rfb.current?.disconnect();
      rfb.current = null;
    };
  }, [session, server.id]);

  return (
    <div className="console">
      <div className="console-bar">
        {state === 'asking' || state === 'connecting' ? <Spinner label="Connecting to the console…" /> : null}
        {state === 'connected' ? <span className="badge badge-ok">Connected</span> : null}
        {state === 'closed' ? <span className="badge badge-off">Disconnected</span> : null}
        <button
          type="button"
          className="small"
          disabled={state !== 'connected'}
          onClick={() => rfb.current?.sendCtrlAltDel()}
        >
          Send Ctrl-Alt-Del
        </button>
        {url ? (
          <a href={url} target="_blank" rel="noreferrer">
            Open the console in its own window
          </a>
        ) : null}
      </div>
      {error ? <ErrorBox error={error} /> : null}
      {state === 'none' ? (
        <p className="empty">
          This instance has no graphical console now (it is not running, or the cloud's compute driver gives it none).
          Its serial output is under Log.
        </p>
      ) : null}
      <div ref={screen} className="console-screen" hidden={state === 'none' || !!error} />
    </div>
  );
}
