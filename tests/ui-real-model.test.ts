// The Real kernel region's comparison with the model (src/ui/real/ModelVsReal.tsx), rendered:
// the model's seconds after the restore, the first real read with every clone distinct, their
// difference as a number whose sign and words agree, and the one line of why they can differ;
// without assets, the model alone. And the shipped scenario's steps that drive the region.

import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { MODEL_VS_REAL_WHY, type ModelPrediction } from '../src/core/real/prediction';
import { measuredDivergence, ModelVsReal, ModelVsRealWhy } from '../src/ui/real/ModelVsReal';
import type { RealHistoryPoint } from '../src/ui/real/store';
import { scenario } from './ui-setup';

const model: ModelPrediction = {
  uptimeS: 60.29,
  clones: 3,
  readIntervalS: 2,
  firstDistinctS: 60,
  verdict: 'dup-until',
  endedBy: 'periodic-reseed',
  horizonS: 151,
  agent: false,
};
const point = (tS: number, distinct: number): RealHistoryPoint => ({ tS, distinct, clones: 3 });
const text = (html: string) =>
  html
    .replace(/<!-- -->/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#x27;/g, "'")
    .replace(/\s+/g, ' ');
const testid = (html: string, id: string) =>
  new RegExp(`data-testid="${id}"[^>]*>([^<]*)<`).exec(html.replace(/<!-- -->/g, ''))?.[1];

function render(history: RealHistoryPoint[], extra: { reseedAtS?: number; alone?: boolean } = {}) {
  return renderToString(
    createElement(ModelVsReal, {
      model,
      modelError: null,
      history,
      clones: 3,
      reseedAtS: extra.reseedAtS ?? null,
      alone: extra.alone ?? false,
    }),
  );
}

describe('model vs real', () => {
  it('before the real clones diverge: the model says when, the real one is not yet known', () => {
    const html = render([point(0, 1), point(2, 1)]);
    expect(testid(html, 'model-divergence')).toBe('60 s');
    expect(testid(html, 'real-divergence')).toBe('–');
    expect(text(html)).toContain("at the kernel's scheduled reseed");
    expect(text(html)).toContain('not yet: no read so far has all 3 clones distinct (latest at 2.0 s)');
  });

  it('once every clone differs: the measured seconds and the difference, its sign and words agreeing', () => {
    const later = render([point(0, 1), point(58.1, 2), point(62.7, 3)]);
    expect(testid(later, 'real-divergence')).toBe('62.7 s');
    expect(testid(later, 'divergence-difference')).toBe('+2.7 s');
    expect(text(later)).toContain('the real clones diverged later');
    const sooner = render([point(0, 1), point(58.4, 3)]);
    expect(testid(sooner, 'divergence-difference')).toBe('−1.6 s');
    expect(text(sooner)).toContain('the real clones diverged sooner');
    // a difference that rounds to zero is neither
    const same = render([point(60.04, 3)]);
    expect(testid(same, 'divergence-difference')).toBe('0.0 s');
    expect(text(same)).toContain('the same');
    expect(measuredDivergence([point(1, 1), point(3, 3), point(5, 3)])?.tS).toBe(3);
  });

  it('after the agent reseed: not compared with the model, which has no agent', () => {
    const html = render([point(0, 1), point(21.3, 3)], { reseedAtS: 20.5 });
    expect(testid(html, 'divergence-difference')).toBe('–');
    expect(text(html)).toContain('after the agent reseed at 20.5 s');
    expect(text(html)).toContain("not comparable: the agent reseeded them (the model's line is without it)");
  });

  it('without assets: the model alone, the real part n/a', () => {
    const html = render([], { alone: true });
    expect(testid(html, 'model-divergence')).toBe('60 s');
    expect(testid(html, 'real-divergence')).toBe('n/a');
    const why = text(
      renderToString(createElement(ModelVsRealWhy, { model, uptime: { s: 60, from: 'default' } })),
    );
    expect(why).toContain(MODEL_VS_REAL_WHY);
    expect(why).toContain('60 s of uptime (what npm run guest:real saves), a read every 2 s');
  });
});

describe('the shipped scenario "A real kernel"', () => {
  it('runs the model, then drives the Real kernel region: restore, then the agent reseed', async () => {
    const s = await scenario('real-kernel');
    expect(s.steps.map((st) => st.real ?? null)).toEqual([null, 'restore', 'agent-reseed']);
    expect(s.steps.map((st) => st.highlight)).toEqual(['timeline', 'real', 'real']);
  });
});
