import { useState } from 'react';
import { call } from '../../api/client.js';
import type { ApiError } from '../../api/errors.js';
import { useImages } from '../../app/data.js';
import { useAction } from '../../app/queries.js';
import { useSession } from '../../app/session.js';
import { Modal } from '../../components/Modal.js';
import { Field } from '../../components/Page.js';
import { getFileRefs, type HeatParameter, matchFiles, type ParamField, paramFields } from '../../lib/heat.js';

interface Source {
  template: string;
  files: Record<string, string>;
  environment?: string;
}

const read = (f: File) => f.text().then((text) => ({ name: f.name, text }));

/**
 * Launch Stack, Horizon's two steps: the template (and the files it reads
 * with get_file, and an environment), which Heat validates; then the stack's
 * name and the parameters Heat said the template takes.
 */
export function LaunchStack({ onClose }: { onClose: () => void }) {
  const session = useSession();
  const images = useImages();
  const [template, setTemplate] = useState<{ name: string; text: string } | null>(null);
  const [extra, setExtra] = useState<{ name: string; text: string }[]>([]);
  const [env, setEnv] = useState<{ name: string; text: string } | null>(null);
  const [source, setSource] = useState<Source | null>(null);
  const [fields, setFields] = useState<ParamField[]>([]);
  const [name, setName] = useState('');
  const [rollback, setRollback] = useState(false);
  const [timeout, setTimeoutMins] = useState(60);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  const refs = template ? getFileRefs(template.text) : [];
  const files = matchFiles(refs, extra);
  const missing = refs.filter((r) => !(r in files));

  const validate = () => {
    if (!template) return;
    const src: Source = { template: template.text, files, environment: env?.text };
    setBusy(true);
    setError(null);
    call<{ Parameters?: Record<string, HeatParameter> }>(session, 'orchestration', '/validate', {
      method: 'POST',
      body: { template: src.template, files: src.files, ...(src.environment ? { environment: src.environment } : {}) },
    })
      .then((v) => {
        setSource(src);
        setFields(paramFields(v.Parameters));
        if (!name) setName(template.name.replace(/\.(ya?ml|json|template)$/, ''));
      })
      .catch(setError)
      .finally(() => setBusy(false));
  };

  const launch = useAction(
    () =>
      call(session, 'orchestration', '/stacks', {
        method: 'POST',
        body: {
          stack_name: name,
          template: source!.template,
          files: source!.files,
          ...(source!.environment ? { environment: source!.environment } : {}),
          parameters: Object.fromEntries(fields.filter((f) => f.value !== '').map((f) => [f.name, f.value])),
          disable_rollback: !rollback,
          timeout_mins: timeout,
        },
      }),
    { invalidates: [['orchestration']], success: () => `Launching stack ${name}.`, silent: true },
  );

  if (!source)
    return (
      <Modal
        title="Select Template"
        onClose={onClose}
        submitLabel="Next"
        busy={busy}
        error={error}
        canSubmit={!!template}
        onSubmit={validate}
      >
        <Field label="Template File" hint="A HOT template (YAML or JSON).">
          <input
            type="file"
            name="template"
            accept=".yaml,.yml,.json,.template"
            onChange={async (e) => setTemplate(e.target.files?.[0] ? await read(e.target.files[0]) : null)}
          />
        </Field>
        {refs.length > 0 ? (
          <Field label="Files the template reads (get_file)" hint={`It reads ${refs.join(', ')}.`}>
            <input
              type="file"
              name="files"
              multiple
              onChange={async (e) => setExtra(await Promise.all(Array.from(e.target.files ?? []).map(read)))}
            />
          </Field>
        ) : null}
        {missing.length > 0 && extra.length > 0 ? (
          <p className="field-error">Still missing: {missing.join(', ')}</p>
        ) : null}
        <Field label="Environment File (optional)">
          <input
            type="file"
            name="environment"
            accept=".yaml,.yml,.json"
            onChange={async (e) => setEnv(e.target.files?.[0] ? await read(e.target.files[0]) : null)}
          />
        </Field>
      </Modal>
    );

  const setField = (i: number, value: string) => setFields(fields.map((f, j) => (j === i ? { ...f, value } : f)));
  const imageNames = (images.data ?? []).filter((i) => i.status === 'active').map((i) => i.name ?? i.id);
  return (
    <Modal
      title="Launch Stack"
      wide
      onClose={onClose}
      submitLabel="Launch"
      busy={launch.isPending}
      error={launch.error}
      canSubmit={!!name.trim()}
      onSubmit={() => launch.mutate(undefined, { onSuccess: onClose })}
    >
      <Field label="Stack Name">
        <input name="stack_name" value={name} onChange={(e) => setName(e.target.value)} required />
      </Field>
      <div className="cols">
        <Field label="Creation Timeout (minutes)">
          <input type="number" min={1} value={timeout} onChange={(e) => setTimeoutMins(Number(e.target.value))} />
        </Field>
        <label className="check">
          <input type="checkbox" checked={rollback} onChange={(e) => setRollback(e.target.checked)} /> Rollback On
          Failure
        </label>
      </div>
      <fieldset>
        <legend>Parameters</legend>
        {fields.length === 0 ? <p className="muted">This template takes no parameters.</p> : null}
        {fields.map((f, i) => (
          <Field key={f.name} label={f.label} hint={f.description}>
            {f.choices ? (
              <select name={`param-${f.name}`} value={f.value} onChange={(e) => setField(i, e.target.value)}>
                {f.choices.map((c) => (
                  <option key={c}>{c}</option>
                ))}
              </select>
            ) : (
              <input
                name={`param-${f.name}`}
                type={f.secret ? 'password' : f.type === 'number' ? 'number' : 'text'}
                list={f.name === 'image' ? 'stack-images' : undefined}
                value={f.value}
                onChange={(e) => setField(i, e.target.value)}
              />
            )}
          </Field>
        ))}
        <datalist id="stack-images">
          {imageNames.map((n) => (
            <option key={n} value={n} />
          ))}
        </datalist>
      </fieldset>
    </Modal>
  );
}
