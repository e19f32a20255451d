// Layout checks for the e2e tests, run in the page: every control on screen (or in a box that
// scrolls to it), no text cut off by its box, the step's panel inside the viewport, and the
// sizes type is drawn at. Each finding is one line naming the element, so a failure says what to
// look at in the screenshot.

import type { Page } from '@playwright/test';

/** Elements a person operates. */
const CONTROLS = 'button, input, select, summary, a[href], [role="tab"]';

/**
 * What is off-screen or clipped: controls outside the viewport that no scroll box can bring in,
 * controls cut by a box that hides overflow, and text wider or taller than a box that hides it
 * (an ellipsis, a button too narrow for its word, a select too narrow for its choice).
 */
export function layoutProblems(page: Page): Promise<string[]> {
  return page.evaluate((controls) => {
    const out: string[] = [];
    const vw = document.documentElement.clientWidth;
    const vh = document.documentElement.clientHeight;
    const name = (el: Element) => {
      const label =
        el.getAttribute('aria-label') ??
        (el instanceof HTMLInputElement || el instanceof HTMLSelectElement
          ? (el.labels?.[0]?.textContent ?? el.id)
          : el.textContent);
      return `${el.tagName.toLowerCase()} "${(label ?? '').trim().replace(/\s+/g, ' ').slice(0, 50)}"`;
    };
    const shown = (el: Element) => {
      if (el.closest('[hidden], .sr-only')) return false;
      const cs = getComputedStyle(el);
      return cs.visibility !== 'hidden' && el.getClientRects().length > 0;
    };
    const hides = (cs: CSSStyleDeclaration) =>
      /hidden|clip/.test(`${cs.overflowX} ${cs.overflowY}`) || /paint|strict|content/.test(cs.contain);
    const scrolls = (cs: CSSStyleDeclaration) => /auto|scroll/.test(`${cs.overflowX} ${cs.overflowY}`);

    for (const el of document.querySelectorAll(controls)) {
      if (!shown(el)) continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      let scroller: Element | null = null;
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        const cs = getComputedStyle(p);
        if (scrolls(cs)) {
          scroller = p;
          break;
        }
        if (hides(cs)) {
          const b = p.getBoundingClientRect();
          if (r.left < b.left - 1 || r.right > b.right + 1 || r.top < b.top - 1 || r.bottom > b.bottom + 1) {
            out.push(`clipped by its box: ${name(el)}`);
            break;
          }
        }
      }
      if (!scroller && (r.left < -1 || r.top < -1 || r.right > vw + 1 || r.bottom > vh + 1))
        out.push(`off-screen: ${name(el)} at ${Math.round(r.left)},${Math.round(r.top)}`);
    }

    for (const el of document.querySelectorAll<HTMLElement>('body *')) {
      if (!shown(el) || el.closest('svg') || el instanceof HTMLCanvasElement) continue;
      const cs = getComputedStyle(el);
      if (scrolls(cs)) continue;
      const clips = hides(cs) || cs.textOverflow === 'ellipsis';
      const isControl = el.matches('button, summary, [role="tab"]');
      if (!clips && !isControl) continue;
      if (el.scrollWidth > el.clientWidth + 1 && cs.overflowX !== 'visible')
        out.push(`text cut (width): ${name(el)}`);
      else if (isControl && el.scrollWidth > el.clientWidth + 1) out.push(`text spills out of: ${name(el)}`);
      if (
        el.scrollHeight > el.clientHeight + 1 &&
        cs.overflowY !== 'visible' &&
        !el.matches('.panel, .scroll')
      )
        out.push(`text cut (height): ${name(el)}`);
    }

    // boxes that scroll up and down but must never hide anything sideways: the settings, the
    // pictures' column, and the tables whose every column must show
    for (const box of document.querySelectorAll<HTMLElement>(
      '.controls, .center, .metrics .scroll, .devices .scroll',
    )) {
      if (shown(box) && box.scrollWidth > box.clientWidth + 1)
        out.push(
          `wider than its box: ${box.className} in ${box.closest('section')?.getAttribute('aria-labelledby')}`,
        );
    }

    // a select shows its chosen option's text: it must fit
    const ctx = document.createElement('canvas').getContext('2d')!;
    for (const sel of document.querySelectorAll('select')) {
      if (!shown(sel) || sel.selectedIndex < 0) continue;
      const cs = getComputedStyle(sel);
      ctx.font = `${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
      const text = sel.options[sel.selectedIndex]!.text;
      const room =
        sel.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) - 16; /* the arrow */
      if (ctx.measureText(text).width > room + 1) out.push(`text cut (select): ${name(sel)} shows "${text}"`);
    }
    return [...new Set(out)];
  }, CONTROLS);
}

/** The box of the first element matching `selector`, or null. */
export function boxOf(page: Page, selector: string) {
  return page.evaluate((sel) => {
    const el = document.querySelector(sel);
    if (!el) return null;
    const r = el.getBoundingClientRect();
    return { x: r.x, y: r.y, width: r.width, height: r.height, right: r.right, bottom: r.bottom };
  }, selector);
}

/** True when the element is wholly inside the viewport. */
export async function wholeInView(page: Page, selector: string): Promise<boolean> {
  const b = await boxOf(page, selector);
  if (!b) return false;
  const vp = page.viewportSize()!;
  return b.x >= -1 && b.y >= -1 && b.right <= vp.width + 1 && b.bottom <= vp.height + 1;
}

/**
 * True when the element is wholly visible without scrolling: inside the viewport and inside every
 * ancestor box that scrolls or hides its overflow (text a person would have to scroll to is cut).
 */
export function visibleWithoutScrolling(page: Page, selector: string): Promise<boolean> {
  return page.evaluate((sel) => {
    const el = document.querySelector(sel);
    if (!el) return false;
    const r = el.getBoundingClientRect();
    const inside = (b: { left: number; top: number; right: number; bottom: number }) =>
      r.left >= b.left - 1 && r.top >= b.top - 1 && r.right <= b.right + 1 && r.bottom <= b.bottom + 1;
    if (!inside({ left: 0, top: 0, right: innerWidth, bottom: innerHeight })) return false;
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const cs = getComputedStyle(p);
      const boxed =
        /auto|scroll|hidden|clip/.test(`${cs.overflowX} ${cs.overflowY}`) ||
        /paint|strict|content/.test(cs.contain);
      if (boxed && !inside(p.getBoundingClientRect())) return false;
    }
    return true;
  }, selector);
}

/** The font size (px) an element's text is drawn at; for SVG text, its rendered height. */
export function drawnSize(page: Page, selector: string): Promise<number> {
  return page.evaluate((sel) => {
    const el = document.querySelector(sel);
    if (!el) return 0;
    if (el instanceof SVGTextElement) {
      const m = el.getScreenCTM();
      return parseFloat(getComputedStyle(el).fontSize) * (m ? Math.hypot(m.a, m.b) : 1);
    }
    return parseFloat(getComputedStyle(el).fontSize);
  }, selector);
}
