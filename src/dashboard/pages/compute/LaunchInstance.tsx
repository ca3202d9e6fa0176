import { useState } from 'react';
import { call } from '../../api/client.js';
import type { Server } from '../../api/types.js';
import { useFlavors, useImages, useKeypairs, useNetworks, usePorts, useSecurityGroups } from '../../app/data.js';
import { useAction } from '../../app/queries.js';
import { useSession } from '../../app/session.js';
import { Modal } from '../../components/Modal.js';
import { Field } from '../../components/Page.js';
import { base64, megabytes } from '../../lib/format.js';
import { parseProperties } from '../../lib/properties.js';

/** Launch Instance: Horizon's wizard steps (details, source, flavor, networks, security, configuration) on one form. */
export function LaunchInstance({ onClose }: { onClose: () => void }) {
  const session = useSession();
  const images = useImages();
  const flavors = useFlavors();
  const networks = useNetworks();
  const ports = usePorts();
  const groups = useSecurityGroups();
  const keypairs = useKeypairs();
  const [name, setName] = useState('');
  const [count, setCount] = useState(1);
  const [image, setImage] = useState('');
  const [flavor, setFlavor] = useState('');
  const [mode, setMode] = useState<'network' | 'port'>('network');
  const [nets, setNets] = useState<string[]>([]);
  const [port, setPort] = useState('');
  const [sgs, setSgs] = useState<string[]>(['default']);
  const [key, setKey] = useState('');
  const [userData, setUserData] = useState('');
  const [props, setProps] = useState('');

  const bootable = (images.data ?? []).filter((i) => i.status === 'active');
  const usable = (networks.data ?? []).filter((n) => !n['router:external'] || n.shared);
  const freePorts = (ports.data ?? []).filter((p) => !p.device_id && p.project_id === session.project.id);
  const chosenImage = image || bootable[0]?.id || '';
  const sortedFlavors = [...(flavors.data ?? [])].sort((a, b) => a.ram - b.ram || a.vcpus - b.vcpus);
  const chosenFlavor = flavor || sortedFlavors.find((f) => f.name === 'm1.tiny')?.id || sortedFlavors[0]?.id || '';
  const chosenNets = nets.length
    ? nets
    : usable
        .filter((n) => !n['router:external'])
        .slice(0, 1)
        .map((n) => n.id);
  const properties = parseProperties(props);

  const launch = useAction(
    () =>
      call<{ server: Server }>(session, 'compute', '/servers', {
        method: 'POST',
        body: {
          server: {
            name,
            imageRef: chosenImage,
            flavorRef: chosenFlavor,
            min_count: count,
            max_count: count,
            networks: mode === 'port' ? [{ port }] : chosenNets.map((uuid) => ({ uuid })),
            ...(mode === 'network' ? { security_groups: sgs.map((n) => ({ name: n })) } : {}),
            ...(key ? { key_name: key } : {}),
            ...(userData ? { user_data: base64(userData) } : {}),
            ...(properties.ok && Object.keys(properties.value).length ? { metadata: properties.value } : {}),
          },
        },
      }),
    { invalidates: [['compute'], ['network']], success: () => `Launched instance ${name}.`, silent: true },
  );

  const toggle = (list: string[], v: string) => (list.includes(v) ? list.filter((x) => x !== v) : [...list, v]);
  const ready =
    name.trim() !== '' &&
    !!chosenImage &&
    !!chosenFlavor &&
    (mode === 'port' ? !!port : chosenNets.length > 0) &&
    properties.ok;

  return (
    <Modal
      title="Launch Instance"
      wide
      onClose={onClose}
      submitLabel="Launch Instance"
      busy={launch.isPending}
      error={launch.error}
      canSubmit={ready}
      onSubmit={() => launch.mutate(undefined, { onSuccess: onClose })}
    >
      <div className="cols">
        <fieldset>
          <legend>Details</legend>
          <Field label="Instance Name">
            <input name="name" value={name} onChange={(e) => setName(e.target.value)} required />
          </Field>
          <Field label="Count">
            <input type="number" min={1} max={10} value={count} onChange={(e) => setCount(Number(e.target.value))} />
          </Field>
          <Field label="Image">
            <select name="image" value={chosenImage} onChange={(e) => setImage(e.target.value)}>
              {bootable.map((i) => (
                <option key={i.id} value={i.id}>
                  {i.name || i.id}
                </option>
              ))}
            </select>
          </Field>
          <Field label="Flavor">
            <select name="flavor" value={chosenFlavor} onChange={(e) => setFlavor(e.target.value)}>
              {sortedFlavors.map((f) => (
                <option key={f.id} value={f.id}>
                  {f.name} ({f.vcpus} VCPU, {megabytes(f.ram)} RAM, {f.disk} GB disk)
                </option>
              ))}
            </select>
          </Field>
          <Field label="Key Pair">
            <select name="key_name" value={key} onChange={(e) => setKey(e.target.value)}>
              <option value="">(none)</option>
              {(keypairs.data ?? []).map(({ keypair: k }) => (
                <option key={k.name}>{k.name}</option>
              ))}
            </select>
          </Field>
        </fieldset>
        <fieldset>
          <legend>Networking</legend>
          <fieldset className="radios bare">
            <legend className="sr-only">Attach to</legend>
            <label>
              <input type="radio" checked={mode === 'network'} onChange={() => setMode('network')} /> Networks
            </label>
            <label>
              <input type="radio" checked={mode === 'port'} onChange={() => setMode('port')} /> A port
            </label>
          </fieldset>
          {mode === 'network' ? (
            <fieldset className="checks bare">
              <legend className="sr-only">Networks</legend>
              {usable.map((n) => (
                <label key={n.id}>
                  <input
                    type="checkbox"
                    checked={chosenNets.includes(n.id)}
                    onChange={() => setNets(toggle(chosenNets, n.id))}
                  />{' '}
                  {n.name || n.id}
                  {n.shared ? ' (shared)' : ''}
                </label>
              ))}
            </fieldset>
          ) : (
            <Field label="Port" hint="Ports of this project not bound to a device.">
              <select value={port} onChange={(e) => setPort(e.target.value)}>
                <option value="">Select a port</option>
                {freePorts.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name || p.id} ({p.fixed_ips.map((f) => f.ip_address).join(', ')})
                  </option>
                ))}
              </select>
            </Field>
          )}
          {mode === 'network' ? (
            <fieldset className="checks bare">
              <legend className="field-label">Security Groups</legend>
              {(groups.data ?? [])
                .filter((g) => g.project_id === session.project.id)
                .map((g) => (
                  <label key={g.id}>
                    <input
                      type="checkbox"
                      checked={sgs.includes(g.name)}
                      onChange={() => setSgs(toggle(sgs, g.name))}
                    />{' '}
                    {g.name}
                  </label>
                ))}
            </fieldset>
          ) : null}
        </fieldset>
      </div>
      <fieldset>
        <legend>Configuration</legend>
        <Field label="Customization Script (user data)">
          <textarea rows={4} value={userData} onChange={(e) => setUserData(e.target.value)} spellCheck={false} />
        </Field>
        <Field label="Metadata (properties)" hint="One key=value a line.">
          <textarea
            rows={2}
            value={props}
            onChange={(e) => setProps(e.target.value)}
            spellCheck={false}
            aria-invalid={!properties.ok}
          />
        </Field>
        {!properties.ok ? <p className="field-error">{properties.error}</p> : null}
      </fieldset>
    </Modal>
  );
}
