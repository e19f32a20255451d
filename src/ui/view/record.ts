// A scenario as a video for a talk's backup slide, made in the page: each step is run as the
// scenario bar runs it, pictured in presenter mode (view/capture.ts), and held on a 1920 x 1080
// canvas for a few seconds with a progress bar under it; the canvas's stream is encoded by
// MediaRecorder as WebM, and its length written into the file afterwards (view/webm.ts). Nothing
// leaves the page. A stop request ends the video after the step being shown.

import type { LabStore } from '../store/store';
import { captureSlide, painted } from './capture';
import { withDuration } from './webm';

export const VIDEO_WIDTH = 1920;
export const VIDEO_HEIGHT = 1080;
/** Seconds each step is held, within these limits. */
export const HOLD_LIMITS = { min: 1, max: 30, default: 6 } as const;

/** The WebM type this browser records, or null when it records none. */
export function webmType(): string | null {
  if (typeof MediaRecorder === 'undefined') return null;
  return (
    ['video/webm;codecs=vp9', 'video/webm;codecs=vp8', 'video/webm'].find((t) =>
      MediaRecorder.isTypeSupported(t),
    ) ?? null
  );
}

/** Waits until the lab is idle (no worker command running). */
function idle(store: LabStore): Promise<void> {
  if (!store.getState().busy) return Promise.resolve();
  return new Promise((resolve) => {
    const stop = store.subscribe((s) => {
      if (!s.busy) {
        stop();
        resolve();
      }
    });
  });
}

/**
 * Records the active scenario from its first step to its last (or until a stop is asked for in
 * the store's `recording`), holding each step `holdS` seconds. Resolves with the WebM; presenter mode is on while it runs
 * and back as it was after.
 */
export async function recordScenario(store: LabStore, holdS: number): Promise<Blob> {
  const stop = () => store.getState().recording?.stopping === true;
  const type = webmType();
  if (!type) throw new Error('this browser cannot record WebM video (no MediaRecorder)');
  const first = store.getState().active;
  if (!first) throw new Error('start a scenario first');
  const n = first.scenario.steps.length;
  const app = document.querySelector<HTMLElement>('.app');
  if (!app) throw new Error('the lab is not on the page');
  const wasPresenting = store.getState().presenting;
  const canvas = document.createElement('canvas');
  canvas.width = VIDEO_WIDTH;
  canvas.height = VIDEO_HEIGHT;
  const ctx = canvas.getContext('2d')!;
  const bar = Math.round(VIDEO_HEIGHT / 120);
  let frame: HTMLCanvasElement | null = null;
  let progress = 0;
  let drawing = true;
  const draw = () => {
    if (!drawing) return;
    if (frame) ctx.drawImage(frame, 0, 0);
    ctx.fillStyle = '#444444';
    ctx.fillRect(0, VIDEO_HEIGHT - bar, VIDEO_WIDTH, bar);
    ctx.fillStyle = '#56b4e9';
    ctx.fillRect(0, VIDEO_HEIGHT - bar, Math.round(VIDEO_WIDTH * Math.min(1, progress)), bar);
    requestAnimationFrame(draw);
  };

  const shoot = async (k: number) => {
    store.getState().setRecording({
      step: k,
      steps: n,
      text: `Recording step ${k + 1} of ${n}`,
      stopping: stop(),
    });
    await idle(store);
    await painted();
    frame = await captureSlide(app, VIDEO_WIDTH, VIDEO_HEIGHT);
  };
  const hold = (k: number) =>
    new Promise<void>((resolve) => {
      const t0 = performance.now();
      const tick = () => {
        const t = (performance.now() - t0) / 1000;
        progress = (k + Math.min(1, t / holdS)) / n;
        if (t >= holdS || stop()) resolve();
        else setTimeout(tick, 50);
      };
      tick();
    });

  store.getState().setRecording({ step: 0, steps: n, text: `Recording step 1 of ${n}`, stopping: false });
  store.getState().setPresenting(true);
  try {
    await store.getState().gotoStep(0, 'to');
    await shoot(0);
    const stream = canvas.captureStream(30);
    const rec = new MediaRecorder(stream, { mimeType: type, videoBitsPerSecond: 6_000_000 });
    const chunks: Blob[] = [];
    rec.ondataavailable = (e) => {
      if (e.data.size > 0) chunks.push(e.data);
    };
    const stopped = new Promise<void>((r) => (rec.onstop = () => r()));
    requestAnimationFrame(draw);
    rec.start(1000);
    const began = performance.now();
    for (let k = 0; k < n; k++) {
      if (k > 0) {
        await store.getState().nextStep();
        if (store.getState().active?.step !== k) break;
        await shoot(k);
      }
      await hold(k);
      if (stop()) break;
    }
    rec.stop();
    await stopped;
    const ms = performance.now() - began;
    for (const t of stream.getTracks()) t.stop();
    const bytes = new Uint8Array(await new Blob(chunks).arrayBuffer());
    return new Blob([withDuration(bytes, ms)], { type: 'video/webm' });
  } finally {
    drawing = false;
    store.getState().setRecording(null);
    store.getState().setPresenting(wasPresenting);
  }
}
