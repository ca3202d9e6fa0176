import { useState } from 'react';
import { call } from '../../api/client.js';
import type { Keypair } from '../../api/types.js';
import { useKeypairs } from '../../app/data.js';
import { useAction } from '../../app/queries.js';
import { useSession } from '../../app/session.js';
import { ActionMenu } from '../../components/ActionMenu.js';
import { Confirm } from '../../components/Confirm.js';
import { DataTable } from '../../components/DataTable.js';
import { Modal } from '../../components/Modal.js';
import { Field, Page } from '../../components/Page.js';

function download(name: string, text: string) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type: 'application/x-pem-file' }));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

/** Create Key Pair (Nova makes it and returns the private key once) or Import Public Key. */
function KeyDialog({ importing, onClose }: { importing: boolean; onClose: () => void }) {
  const session = useSession();
  const [name, setName] = useState('');
  const [publicKey, setPublicKey] = useState('');
  const [made, setMade] = useState<Keypair | null>(null);
  const create = useAction(
    () =>
      call<{ keypair: Keypair }>(session, 'compute', '/os-keypairs', {
        method: 'POST',
        body: { keypair: { name, ...(importing ? { public_key: publicKey.trim() } : {}) } },
      }),
    { invalidates: [['compute', '/os-keypairs']], success: () => `Key pair ${name} is ready.`, silent: true },
  );
  if (made?.private_key)
    return (
      <Modal title={`Private key of ${made.name}`} onClose={onClose}>
        <p>
          This is the only time the private key is shown: Nova does not keep it. Save it now, and use it with{' '}
          <code>ssh -i {made.name}.pem</code>.
        </p>
        <button type="button" className="primary" onClick={() => download(`${made.name}.pem`, made.private_key!)}>
          Download {made.name}.pem
        </button>
        <pre className="log small">{made.private_key}</pre>
      </Modal>
    );
  return (
    <Modal
      title={importing ? 'Import Public Key' : 'Create Key Pair'}
      onClose={onClose}
      submitLabel={importing ? 'Import Public Key' : 'Create Key Pair'}
      busy={create.isPending}
      error={create.error}
      canSubmit={!!name.trim() && (!importing || !!publicKey.trim())}
      onSubmit={() =>
        create.mutate(undefined, {
          onSuccess: (r) => {
            const kp = (r as { keypair: Keypair }).keypair;
            if (kp.private_key) setMade(kp);
            else onClose();
          },
        })
      }
    >
      <Field label="Key Pair Name">
        <input name="name" value={name} onChange={(e) => setName(e.target.value)} required />
      </Field>
      {importing ? (
        <Field label="Public Key" hint="An OpenSSH public key (ssh-ed25519, ssh-rsa, ecdsa-…).">
          <textarea rows={5} value={publicKey} onChange={(e) => setPublicKey(e.target.value)} spellCheck={false} />
        </Field>
      ) : null}
    </Modal>
  );
}

export function KeyPairs() {
  const session = useSession();
  const keys = useKeypairs();
  const [dialog, setDialog] = useState<'create' | 'import' | null>(null);
  const [deleting, setDeleting] = useState<Keypair | null>(null);
  const del = useAction(
    (k: Keypair) => call(session, 'compute', `/os-keypairs/${encodeURIComponent(k.name)}`, { method: 'DELETE' }),
    { invalidates: [['compute', '/os-keypairs']], success: (k) => `Deleted key pair ${k.name}.`, silent: true },
  );
  return (
    <Page title="Key Pairs">
      <DataTable
        label="Key Pairs"
        rows={keys.data?.map((k) => k.keypair)}
        loading={keys.isLoading}
        error={keys.error}
        rowKey={(k) => k.name}
        filterText={(k) => k.name}
        empty="No key pairs. Create one, or import your public key."
        toolbar={
          <>
            <button type="button" className="primary" onClick={() => setDialog('create')}>
              Create Key Pair
            </button>
            <button type="button" onClick={() => setDialog('import')}>
              Import Public Key
            </button>
          </>
        }
        columns={[
          { header: 'Name', cell: (k) => k.name },
          { header: 'Type', cell: (k) => k.type ?? 'ssh' },
          { header: 'Fingerprint', cell: (k) => <code>{k.fingerprint}</code> },
        ]}
        actions={(k) => (
          <ActionMenu
            label={k.name}
            items={[{ label: 'Delete Key Pair', danger: true, onSelect: () => setDeleting(k) }]}
          />
        )}
      />
      {dialog ? <KeyDialog importing={dialog === 'import'} onClose={() => setDialog(null)} /> : null}
      {deleting ? (
        <Confirm
          title="Confirm Delete Key Pair"
          text={`You have selected "${deleting.name}". Instances keep the key they booted with.`}
          action="Delete Key Pair"
          run={() => del.mutateAsync(deleting)}
          onClose={() => setDeleting(null)}
        />
      ) : null}
    </Page>
  );
}
