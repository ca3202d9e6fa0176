import { useState } from 'react';
import type { ApiError } from '../api/errors.js';
import { Modal } from './Modal.js';

/** "Confirm Delete Instance": what will happen, and a button that does it. */
export function Confirm({
  title,
  text,
  action,
  run,
  onClose,
}: {
  title: string;
  text: string;
  action: string;
  run: () => Promise<unknown>;
  onClose: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  return (
    <Modal
      title={title}
      onClose={onClose}
      submitLabel={action}
      busy={busy}
      error={error}
      onSubmit={() => {
        setBusy(true);
        run()
          .then(onClose)
          .catch((e: ApiError) => {
            setError(e);
            setBusy(false);
          });
      }}
    >
      <p>{text}</p>
    </Modal>
  );
}
