// Devices and kernel RNG state per VM, read from guest pages (LabApi.devices): VMGenID bytes,
// CRNG generation and key prefix, the vDSO generation, SysGenId counter, watchers, acks, outdated.
// VMs whose CRNG key is the same are marked with a shared glyph and the word "same". Without a
// SysGenId device in any VM its column gives way to the words "SysGenId off" in the heading.

import { useRef } from 'react';
import { groupStyle } from '../lib/palette';
import { useRowWindow } from '../widgets/useRowWindow';
import { useLab } from '../store/context';
import { selectDevices } from '../store/selectors';
import { formatNs } from '../lib/format';
import { DEVICE_ROWS } from '../../core/host/host';
import { RowSpacer } from '../widgets/RowSpacer';
import { Term } from '../view/Term';

export function DevicesPanel() {
  const devices = useLab(selectDevices);
  const box = useRef<HTMLDivElement>(null);
  const { first, last, rowH } = useRowWindow(box, devices.length);
  const keyGroups = new Map<string, number>();
  const counts = new Map<string, number>();
  for (const d of devices) counts.set(d.crngKeyPrefix, (counts.get(d.crngKeyPrefix) ?? 0) + 1);
  for (const d of devices)
    if ((counts.get(d.crngKeyPrefix) ?? 0) > 1 && !keyGroups.has(d.crngKeyPrefix))
      keyGroups.set(d.crngKeyPrefix, keyGroups.size);
  const sharedKeys = devices.filter((d) => keyGroups.has(d.crngKeyPrefix)).length;
  const sysgenid = devices.some((d) => d.sysgenid);
  return (
    <section className="panel devices" aria-labelledby="devices-h">
      <h2 id="devices-h">
        Devices{' '}
        <span className="sub">
          {devices.length
            ? `${sharedKeys} of ${devices.length === DEVICE_ROWS ? `the first ${DEVICE_ROWS}` : devices.length} VMs share a CRNG key${sysgenid ? '' : ' · SysGenId off'}`
            : ''}
        </span>
      </h2>
      {devices.length === 0 ? (
        <p className="empty">No VM yet.</p>
      ) : (
        <div className="scroll" tabIndex={0} role="region" aria-label="Device state per VM" ref={box}>
          <table>
            <thead>
              <tr>
                <th scope="col">VM</th>
                <th scope="col" title="16-byte VMGenID (fresh per clone, never from the snapshot)">
                  <Term k="vmgenid">VMGenID</Term>
                </th>
                <th scope="col" title="base_crng.generation / vDSO-visible generation">
                  <Term k="generation">gen</Term>
                </th>
                <th scope="col" title="first 8 bytes of base_crng.key">
                  <Term k="crng">CRNG</Term> key
                </th>
                {sysgenid && (
                  <th scope="col" title="SysGenId counter · watchers · acked · outdated">
                    <Term k="sysgenid">SysGenId</Term>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              <RowSpacer rows={first} rowH={rowH} />
              {devices.slice(first, last).map((d) => {
                const g = keyGroups.get(d.crngKeyPrefix);
                const st = g === undefined ? null : groupStyle(g);
                return (
                  <tr key={d.vm}>
                    <th
                      scope="row"
                      title={`clock ${formatNs(d.clockNs)}${d.notifyAtNs !== null ? `; VMGenID notification handled at ${formatNs(d.notifyAtNs)}` : ''}`}
                    >
                      vm {d.vm}
                    </th>
                    <td className="mono" title={d.vmgenid}>
                      {d.vmgenid.slice(0, 6)}…
                    </td>
                    <td className="num clip" title={`CRNG ${d.crngGeneration}, vDSO ${d.vdsoGeneration}`}>
                      {d.crngGeneration === d.vdsoGeneration
                        ? d.crngGeneration
                        : `${d.crngGeneration}/${d.vdsoGeneration}`}
                    </td>
                    <td
                      className={`mono ${st ? 'same' : ''}`}
                      style={st ? { background: st.colour, color: st.ink } : undefined}
                      title={st ? `same CRNG key in ${counts.get(d.crngKeyPrefix)} VMs` : 'unique CRNG key'}
                    >
                      {st ? `${st.glyph} ` : ''}
                      {d.crngKeyPrefix.slice(0, 6)}
                      {st ? ' same' : ''}
                    </td>
                    {sysgenid && (
                      <td className="num">
                        {d.sysgenid
                          ? `${d.sysgenid.counter} · ${d.sysgenid.watchers} · ${d.sysgenid.acked} · ${d.sysgenid.outdated}`
                          : 'off'}
                      </td>
                    )}
                  </tr>
                );
              })}
              <RowSpacer rows={devices.length - last} rowH={rowH} />
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
