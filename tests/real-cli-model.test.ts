// `uniqueness-lab real` prints the lab model's prediction beside the real clones (no assets
// needed here: the report is built by hand): the divergence in seconds after the restore, the
// difference, and the one line of why the two can differ; the table says the same in words.

import { describe, expect, it } from 'vitest';
import { divergence, formatRealReport, type RealReadReport, type RealReport } from '../src/core/cli/real';
import { loadCoreNode } from '../src/core/load/node';
import { realModelOptions } from '../src/core/real/limits';
import { MODEL_VS_REAL_WHY, predictRealDivergence, REAL_MODEL_SETUP } from '../src/core/real/model';

const core = await loadCoreNode('release');

function read(atMs: number, outputs: string[]): RealReadReport {
  return {
    atMs,
    outputs,
    distinct: new Set(outputs).size,
    shellRandom: outputs.map(() => 1),
    bootIds: outputs.map(() => 'b'),
    uptimesS: outputs.map(() => 60),
  };
}

function model(uptimeS: number, agent = false): NonNullable<RealReport['model']> {
  const p = predictRealDivergence(core, {
    ...realModelOptions({ uptimeS, clones: 3, readIntervalS: 2 }),
    agent,
  });
  if (!p.ok) throw new Error(p.error);
  return { setup: REAL_MODEL_SETUP, ...p.value };
}

const same = (n: number) => Array.from({ length: n }, () => 'aa');
const all = (n: number) => Array.from({ length: n }, (_, i) => `a${i}`);

describe("the model beside `real`'s measurement", () => {
  it('the model of a state saved at 60 s: distinct about a minute after the restore, at its scheduled reseed', () => {
    const m = model(60.29);
    expect(m.readIntervalS).toBe(2);
    expect(m.horizonS).toBeGreaterThanOrEqual(150);
    expect(m.firstDistinctS).toBeGreaterThanOrEqual(56);
    expect(m.firstDistinctS).toBeLessThanOrEqual(62);
    expect(m.endedBy).toBe('periodic-reseed');
    expect(model(60.29, true)).toMatchObject({ firstDistinctS: 0, endedBy: 'agent-reseed' });
  });

  it('measures from the restore: the first read with every clone distinct, and the difference', () => {
    const m = model(60.29);
    const reads = [
      read(0, same(3)),
      read(2000, same(3)),
      read(56_000, ['aa', 'aa', 'b']),
      read(58_000, all(3)),
    ];
    const d = divergence(m, reads, 300);
    expect(d.measuredS).toBe(58.3);
    expect(d.modelS).toBe(m.firstDistinctS);
    expect(d.differenceS).toBe(Math.round((58.3 - m.firstDistinctS!) * 10) / 10);
    expect(d.why).toBe(MODEL_VS_REAL_WHY);
    expect(divergence(m, [read(0, same(3))], 300)).toMatchObject({ measuredS: null, differenceS: null });
  });

  it('the table says the model, the measurement and why they can differ', () => {
    const m = model(60.29);
    const reads = [read(0, same(3)), read(58_000, all(3))];
    const report: RealReport = {
      kernel: '6.1.0-57-686',
      kernelVersion: '6.1.192-3',
      clones: 3,
      agentReseed: false,
      snapshotUptimeS: 60.29,
      restoreMs: [200, 210, 220],
      agentReseedMs: null,
      firstReadAfterRestoreMs: 300,
      reads,
      model: m,
      divergence: divergence(m, reads, 300),
    };
    const text = formatRealReport(report);
    expect(text).toContain(
      `model (${REAL_MODEL_SETUP}, saved at 60 s uptime, a read every 2 s): distinct from ${m.firstDistinctS} s after the restore (the kernel's scheduled reseed)`,
    );
    expect(text).toMatch(
      /measured: all 3 clones distinct from 58\.3 s after the restore; measured − model = [+-]?[\d.]+ s/,
    );
    expect(text).toContain(`why they can differ: ${MODEL_VS_REAL_WHY}`);
    const json = JSON.parse(JSON.stringify(report)) as RealReport;
    expect(json.model!.firstDistinctS).toBe(m.firstDistinctS);
  });
});
