// The race window of VM A on its virtual clock: restore, vCPU resume, the VMGenID notification
// handled after δ, the kernel CRNG reseeds (the driver's, the agent's, the scheduled one, the PM
// notifier's), SysGenId and VMClock bumps, uevents, vDSO fallbacks, each library's reseeds, draws
// and first unique draw; interrupt flushes are many, so they are small ticks and one count. Under
// it, the VM's entropy ledger after the last draw. d3 computes the scale and ticks; React draws
// the SVG. The caption comes from lib/raceWindow.ts, which never contradicts what is drawn.

import { scaleLinear } from 'd3';
import type { TimelineEvent, TimelineKind } from '../../core/lab/types';
import { formatNs } from '../lib/format';
import { OKABE_ITO } from '../lib/palette';
import { raceWindow } from '../lib/raceWindow';
import { useLab } from '../store/context';
import { Term } from '../view/Term';
import {
  selectDevices,
  selectLastDraw,
  selectSession,
  selectTimeline,
  selectTimelineVm,
} from '../store/selectors';
import { count, drawLabel } from '../../core/settings/words';
import { EntropyLedger } from './EntropyLedger';
import './timeline.css';

const KERNEL_KINDS: TimelineKind[] = [
  'vmgenid-notify',
  'crng-reseed',
  'sysgenid-bump',
  'agent-reseed',
  'periodic-reseed',
  'pm-reseed',
  'uevent',
  'vdso-fallback',
];
const SHORT: Record<TimelineKind, string> = {
  restore: 'restore',
  resume: 'resume',
  'vmgenid-notify': 'notify',
  'crng-reseed': 'CRNG reseed',
  'sysgenid-bump': 'SysGenId bump',
  'agent-reseed': 'agent reseed',
  'periodic-reseed': 'scheduled reseed',
  'pm-reseed': 'PM reseed',
  'interrupt-flush': 'interrupts',
  'vmclock-bump': 'VMClock +1',
  uevent: 'uevent',
  'vdso-fallback': 'vDSO → syscall',
  'library-reseed': 'reseed',
  'library-abort': 'abort',
  fork: 'fork',
  'first-unique-draw': '1st unique',
  draw: 'output',
};
const COLOUR: Partial<Record<TimelineKind, string>> = {
  restore: OKABE_ITO.sky,
  resume: OKABE_ITO.sky,
  'vmclock-bump': OKABE_ITO.purple,
  'pm-reseed': OKABE_ITO.green,
  uevent: OKABE_ITO.yellow,
  'vdso-fallback': OKABE_ITO.orange,
  'vmgenid-notify': OKABE_ITO.yellow,
  'crng-reseed': OKABE_ITO.green,
  'sysgenid-bump': OKABE_ITO.purple,
  'agent-reseed': OKABE_ITO.green,
  'periodic-reseed': OKABE_ITO.green,
  'library-reseed': OKABE_ITO.orange,
  'first-unique-draw': OKABE_ITO.green,
};
const MAX_TICKS = 1500;

/** Events of a lane within a few pixels of each other share one label. */
function clusters(
  events: TimelineEvent[],
  x: (t: number) => number,
): Array<{ x: number; events: TimelineEvent[] }> {
  const out: Array<{ x: number; events: TimelineEvent[] }> = [];
  for (const e of [...events].sort((a, b) => a.tNs - b.tNs)) {
    const px = x(e.tNs);
    const last = out[out.length - 1];
    if (last && px - x(last.events[last.events.length - 1]!.tNs) < 6) last.events.push(e);
    else out.push({ x: px, events: [e] });
  }
  return out;
}

export function TimelinePanel() {
  const events = useLab(selectTimeline);
  const draw = useLab(selectLastDraw);
  const vm = useLab(selectTimelineVm);
  const session = useLab(selectSession);
  const devices = useLab(selectDevices);
  const VMM_KINDS: TimelineKind[] = ['restore', 'resume', 'vmclock-bump'];
  const flushes = events.filter((e) => e.kind === 'interrupt-flush');
  const lanes: Array<{ name: string; events: TimelineEvent[] }> = [
    { name: 'VMM', events: events.filter((e) => VMM_KINDS.includes(e.kind)) },
    { name: 'kernel', events: events.filter((e) => KERNEL_KINDS.includes(e.kind)) },
  ];
  // draw rounds share one lane (their detail is the round index); library events get a lane each
  const draws = events.filter((e) => e.kind === 'draw');
  if (draws.length > 0) lanes.push({ name: 'draws', events: draws });
  const LIBRARY_KINDS: TimelineEvent['kind'][] = ['library-reseed', 'library-abort', 'first-unique-draw'];
  const libs = [...new Set(events.filter((e) => LIBRARY_KINDS.includes(e.kind)).map((e) => e.detail))];
  for (const l of libs)
    lanes.push({ name: l, events: events.filter((e) => e.detail === l && LIBRARY_KINDS.includes(e.kind)) });

  const W = 360;
  // room for the longest lane name (library ids such as openssl-1.1.1), about 7 units a character
  const left = Math.max(84, 10 + 7 * Math.max(0, ...lanes.map((l) => l.name.length)));
  const laneH = 30;
  const top = 8;
  const H = top + lanes.length * laneH + 26;
  // a clone's clock goes on from the snapshot's: the axis counts from its restore
  const win = raceWindow({
    events,
    vmgenidDriver: session?.settings.vmgenid ?? false,
    notifyAtNs: devices.find((d) => d.vm === vm)?.notifyAtNs ?? null,
    kernel: session?.settings.kernel ?? '6.1',
  });
  const t0 = win.t0;
  const span = Math.max(1000, ...events.map((e) => e.tNs - t0));
  const xr = scaleLinear()
    .domain([0, span * 1.04])
    .range([left, W - 10])
    .nice();
  const x = (t: number) => xr(t - t0);
  const ticks = xr.ticks(4);
  const rel = (t: number) => `+${formatNs(t - t0)}`;
  const winStart = win.start ?? 0;
  const winEnd = win.end;

  return (
    <section className="panel timeline" aria-labelledby="timeline-h">
      <h2 id="timeline-h">
        <Term k="race-window">Race window</Term>{' '}
        <span className="sub">{vm !== null ? `vm ${vm} · virtual time since restore` : ''}</span>
      </h2>
      {events.length === 0 ? (
        <p className="empty">Select a clone (map A) to see its timeline.</p>
      ) : (
        <div className="scroll timeline-body">
          <div className="tl-main">
            <svg
              width="100%"
              viewBox={`0 0 ${W} ${H}`}
              role="img"
              aria-label={`Timeline of vm ${vm}`}
              aria-describedby="timeline-desc"
            >
              {win.start !== null && (
                <g>
                  <rect
                    x={x(winStart)}
                    y={top}
                    width={Math.max(2, (winEnd === null ? xr.range()[1]! : x(winEnd)) - x(winStart))}
                    height={lanes.length * laneH}
                    fill="url(#hatch)"
                    stroke={OKABE_ITO.vermillion}
                    strokeDasharray="3 2"
                  />
                </g>
              )}
              <defs>
                <pattern
                  id="hatch"
                  width="6"
                  height="6"
                  patternUnits="userSpaceOnUse"
                  patternTransform="rotate(45)"
                >
                  <rect width="6" height="6" fill="rgba(213,94,0,0.18)" />
                  <line x1="0" y1="0" x2="0" y2="6" stroke="rgba(213,94,0,0.55)" strokeWidth="2" />
                </pattern>
              </defs>
              {lanes.map((lane, i) => {
                const y = top + i * laneH + laneH / 2;
                const draws = lane.events.filter((e) => e.kind === 'draw').slice(0, MAX_TICKS);
                const ticks = lane.name === 'kernel' ? flushes.slice(0, MAX_TICKS) : [];
                const marks = lane.events.filter((e) => e.kind !== 'draw');
                return (
                  <g key={lane.name}>
                    <text x={0} y={y + 4} fontSize={12} fontWeight={700}>
                      {lane.name}
                    </text>
                    <line x1={left} x2={W - 10} y1={y} y2={y} stroke="var(--border)" />
                    {ticks.map((e, k) => (
                      <line
                        key={`f${k}`}
                        className="flush-tick"
                        x1={x(e.tNs)}
                        x2={x(e.tNs)}
                        y1={y + 4}
                        y2={y + 9}
                      />
                    ))}
                    {draws.map((e, k) => (
                      <line
                        key={k}
                        x1={x(e.tNs)}
                        x2={x(e.tNs)}
                        y1={y - 5}
                        y2={y + 5}
                        stroke="var(--muted)"
                        strokeWidth={1}
                      />
                    ))}
                    {clusters(marks, x).map((c, k) => {
                      const end = c.x > W * 0.62;
                      const names = [...new Set(c.events.map((e) => SHORT[e.kind]))];
                      // two lines at most: above and below the lane; alternate sides between clusters
                      const above = k % 2 === 0;
                      return (
                        <g key={k} transform={`translate(${c.x} ${y})`}>
                          <title>
                            {c.events
                              .map(
                                (e) =>
                                  `${SHORT[e.kind]} at ${rel(e.tNs)}${e.detail && !/^\d+$/.test(e.detail) ? ` (${e.detail})` : ''}`,
                              )
                              .join('\n')}
                          </title>
                          {c.events.map((e, j) => (
                            <path
                              key={j}
                              d="M0,-7 L6,0 L0,7 L-6,0 Z"
                              transform={`translate(${x(e.tNs) - c.x} 0)`}
                              fill={COLOUR[e.kind] ?? '#fff'}
                              stroke="#000"
                            />
                          ))}
                          <text
                            x={end ? -9 : 9}
                            y={above ? -5 : 14}
                            fontSize={11}
                            textAnchor={end ? 'end' : 'start'}
                          >
                            {names.join(' + ')}
                          </text>
                        </g>
                      );
                    })}
                  </g>
                );
              })}
              <g className="axis" transform={`translate(0 ${top + lanes.length * laneH + 2})`}>
                <line x1={left} x2={W - 10} y1={0} y2={0} />
                {ticks.map((t) => (
                  <g key={t} transform={`translate(${xr(t)} 0)`}>
                    <line y1={0} y2={5} />
                    <text y={17} fontSize={11} textAnchor={xr(t) > W - 30 ? 'end' : 'middle'}>
                      {t === 0 ? '0' : formatNs(t)}
                    </text>
                  </g>
                ))}
              </g>
            </svg>
          </div>
          <div className="tl-side">
            <p id="timeline-desc" className="hint">
              {win.caption}
              {flushes.length > 0 &&
                ` Ticks under the kernel lane: ${count(flushes.length)} interrupt flush${flushes.length === 1 ? '' : 'es'} into the input pool.`}
            </p>
            {draw && vm !== null && draw.vms.includes(vm) && (
              <>
                <EntropyLedger draw={draw} vm={vm} />
                <p className="hint">
                  Last draw, first draw from which no VM collides:{' '}
                  {draw.libraries.map((l, i) => (
                    <span key={`${l.library}-${i}`} className="special-item">
                      {i > 0 ? ' · ' : ''}
                      {l.library} <strong>{drawLabel(l.firstUniqueDraw)}</strong>
                    </span>
                  ))}
                </p>
              </>
            )}
          </div>
        </div>
      )}
    </section>
  );
}
