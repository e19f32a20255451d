// Pictures of the lab as it is on screen, made in the page (no server, no extension): an element is
// cloned with every computed style written inline, its canvases replaced by their pixels, form
// controls by their values, scrolled boxes shifted by their scroll; the clone goes into an SVG
// <foreignObject> and that SVG, as a data: URL (a blob: URL would taint the canvas), is drawn on a
// canvas at any scale: the text stays vector-sharp. Elements marked data-capture="skip" (menus,
// the glossary, buttons that mean nothing on a slide) are left out; their place stays empty.
//
// Used for the slide PNG (1920 x 1080) and the frames of a scenario's video (view/record.ts).

const SVG_NS = 'http://www.w3.org/2000/svg';
const XHTML_NS = 'http://www.w3.org/1999/xhtml';

/** Properties an SVG child needs for its paint (the rest follows from its attributes). */
const SVG_PROPS = [
  'display',
  'visibility',
  'fill',
  'fill-opacity',
  'stroke',
  'stroke-width',
  'stroke-dasharray',
  'stroke-opacity',
  'opacity',
  'font-family',
  'font-size',
  'font-weight',
  'text-anchor',
  'dominant-baseline',
];

/**
 * Properties a child inherits: the clone's child takes them from the clone's parent, unless the
 * browser's own style for its tag sets them (a button's font): so they are written where they
 * differ from the parent's or from a fresh element's.
 */
const INHERITED = new Set([
  'border-collapse',
  'border-spacing',
  'caption-side',
  'color',
  'color-scheme',
  'cursor',
  'direction',
  'empty-cells',
  'font-family',
  'font-feature-settings',
  'font-kerning',
  'font-optical-sizing',
  'font-size',
  'font-stretch',
  'font-style',
  'font-synthesis',
  'font-variant',
  'font-variant-caps',
  'font-variant-east-asian',
  'font-variant-ligatures',
  'font-variant-numeric',
  'font-weight',
  'hyphens',
  'letter-spacing',
  'line-height',
  'list-style-image',
  'list-style-position',
  'list-style-type',
  'overflow-wrap',
  'paint-order',
  'quotes',
  'tab-size',
  'text-align',
  'text-align-last',
  'text-indent',
  'text-rendering',
  'text-shadow',
  'text-transform',
  'text-wrap',
  'text-wrap-mode',
  'visibility',
  'white-space',
  'white-space-collapse',
  'word-break',
  'word-spacing',
  '-webkit-text-fill-color',
  '-webkit-text-stroke-color',
  '-webkit-text-stroke-width',
]);

/** Where fresh elements are measured: a shadow root, so the page's own stylesheets do not reach them. */
let sandbox: ShadowRoot | null = null;
const defaults = new Map<string, Map<string, string>>();

/** The computed style an element of this tag has with no stylesheet of ours: what need not be written. */
function defaultsOf(el: Element): Map<string, string> {
  const key = `${el.namespaceURI}|${el.localName}`;
  let d = defaults.get(key);
  if (d) return d;
  if (!sandbox) {
    const host = document.createElement('div');
    host.setAttribute('aria-hidden', 'true');
    host.style.cssText = 'all: initial; position: fixed; left: -20000px; top: 0; width: 10px; height: 10px;';
    document.body.append(host);
    sandbox = host.attachShadow({ mode: 'open' });
  }
  const probe = document.createElementNS(el.namespaceURI ?? XHTML_NS, el.localName);
  sandbox.append(probe);
  const cs = getComputedStyle(probe);
  d = new Map<string, string>();
  for (let i = 0; i < cs.length; i++) d.set(cs[i]!, cs.getPropertyValue(cs[i]!));
  probe.remove();
  defaults.set(key, d);
  return d;
}

/**
 * The style attribute that makes the clone of `src` look like `src` where it stands (under the
 * clone of `parent`; null for the picture's root). A box that scrolls is pictured as it shows.
 */
function styleText(src: Element, parent: Element | null, inSvg: boolean): string {
  const cs = getComputedStyle(src);
  let out = '';
  if (inSvg) {
    for (const p of SVG_PROPS) out += `${p}:${cs.getPropertyValue(p)};`;
    return out;
  }
  const d = defaultsOf(src);
  const up = parent ? getComputedStyle(parent) : null;
  for (let i = 0; i < cs.length; i++) {
    const p = cs[i]!;
    if (p.startsWith('--') || p.startsWith('transition') || p.startsWith('animation')) continue;
    const v = cs.getPropertyValue(p);
    const differs = d.get(p) !== v || (up !== null && INHERITED.has(p) && up.getPropertyValue(p) !== v);
    if (differs) out += `${p}:${v};`;
  }
  if (/auto|scroll/.test(`${cs.overflowX} ${cs.overflowY}`)) out += 'overflow:hidden;scrollbar-width:none;';
  // a sticky cell stays where the scrolled box showed it (its content is shifted by the scroll)
  if (cs.position === 'sticky') {
    let box = src.parentElement;
    while (box && !/auto|scroll/.test(getComputedStyle(box).overflow)) box = box.parentElement;
    if (box && (box.scrollLeft || box.scrollTop))
      out += `translate:${cs.left !== 'auto' ? box.scrollLeft : 0}px ${cs.top !== 'auto' ? box.scrollTop : 0}px;`;
  }
  return out;
}

/** A ::before or ::after with a text content, as a span (pseudo-elements are not cloned). */
function pseudo(src: Element, which: '::before' | '::after'): HTMLElement | null {
  const cs = getComputedStyle(src, which);
  const c = cs.content;
  if (!c || c === 'none' || c === 'normal' || !/^".*"$/.test(c)) return null;
  const span = document.createElementNS(XHTML_NS, 'span') as HTMLElement;
  span.textContent = JSON.parse(c) as string;
  span.setAttribute(
    'style',
    ['color', 'font-size', 'font-weight', 'font-family', 'margin-left', 'margin-right', 'vertical-align']
      .map((p) => `${p}:${cs.getPropertyValue(p)}`)
      .join(';'),
  );
  return span;
}

/** Copies what the clone cannot know by itself (styles, values, pixels, scroll) from src to dst. */
function dress(src: Element, dst: Element, inSvg: boolean, root: boolean): void {
  if (src instanceof HTMLCanvasElement) {
    const img = document.createElementNS(XHTML_NS, 'img');
    try {
      img.setAttribute('src', src.toDataURL('image/png'));
    } catch {
      // a canvas we cannot read: its box stays empty
    }
    img.setAttribute('style', styleText(src, src.parentElement, false));
    dst.replaceWith(img);
    return;
  }
  dst.setAttribute('style', styleText(src, root ? null : src.parentElement, inSvg));
  if (inSvg) return;
  if (src instanceof HTMLInputElement) {
    if (src.type === 'checkbox' || src.type === 'radio') {
      if (src.checked) dst.setAttribute('checked', '');
      else dst.removeAttribute('checked');
    } else dst.setAttribute('value', src.value);
  } else if (src instanceof HTMLSelectElement) {
    const opts = dst.querySelectorAll('option');
    opts.forEach((o, i) => {
      if (i === src.selectedIndex) o.setAttribute('selected', '');
      else o.removeAttribute('selected');
    });
  }
  const before = pseudo(src, '::before');
  const after = pseudo(src, '::after');
  if (before) dst.prepend(before);
  if (after) dst.append(after);
  if (src.scrollLeft || src.scrollTop) {
    for (const child of Array.from(dst.children) as HTMLElement[]) {
      if (child === before || child === after) continue;
      child.setAttribute(
        'style',
        `${child.getAttribute('style') ?? ''}translate:${-src.scrollLeft}px ${-src.scrollTop}px;`,
      );
    }
  }
}

/** Clones `src` with its look inlined; elements that are hidden or marked skip are dropped. */
function cloneDressed(src: Element, inSvg = false, root = true): Element | null {
  if (src.getAttribute('data-capture') === 'skip') return null;
  if (getComputedStyle(src).display === 'none') return null;
  const svg = inSvg || (src.namespaceURI === SVG_NS && src.localName !== 'svg');
  // ids stay: an SVG's fills refer to its patterns by id (the clone is only ever serialized)
  const dst = src.cloneNode(false) as Element;
  for (const child of Array.from(src.childNodes)) {
    if (child.nodeType === Node.TEXT_NODE) dst.append(child.cloneNode());
    else if (child.nodeType === Node.ELEMENT_NODE) {
      const c = cloneDressed(child as Element, svg || (child as Element).namespaceURI === SVG_NS, false);
      if (c) dst.append(c);
    }
  }
  // pixels and values after the children are in (a canvas replaces itself)
  const holder = document.createElementNS(XHTML_NS, 'div');
  holder.append(dst);
  dress(src, dst, svg && src.localName !== 'svg', root);
  return holder.firstElementChild;
}

/** The page's background colour (what shows behind transparent panels). */
function pageBackground(): string {
  return getComputedStyle(document.body).backgroundColor || '#000000';
}

/** Draws an element, as laid out now, into a new canvas at `scale` times its CSS size. */
export async function captureElement(el: HTMLElement, scale = 1): Promise<HTMLCanvasElement> {
  const r = el.getBoundingClientRect();
  const w = Math.ceil(r.width);
  const h = Math.ceil(r.height);
  const clone = cloneDressed(el);
  if (!clone) throw new Error('nothing to capture: the element is hidden');
  const wrapper = document.createElementNS(XHTML_NS, 'div');
  wrapper.setAttribute(
    'style',
    `width:${w}px;height:${h}px;margin:0;overflow:hidden;background:${pageBackground()};`,
  );
  (clone as HTMLElement).style.setProperty('margin', '0');
  wrapper.append(clone);
  const xhtml = new XMLSerializer().serializeToString(wrapper);
  const svg =
    `<svg xmlns="${SVG_NS}" width="${Math.round(w * scale)}" height="${Math.round(h * scale)}" viewBox="0 0 ${w} ${h}">` +
    `<foreignObject x="0" y="0" width="${w}" height="${h}">${xhtml}</foreignObject></svg>`;
  const img = new Image();
  img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
  await img.decode();
  const c = document.createElement('canvas');
  c.width = Math.round(w * scale);
  c.height = Math.round(h * scale);
  const ctx = c.getContext('2d')!;
  ctx.drawImage(img, 0, 0, c.width, c.height);
  return c;
}

/**
 * The element as a slide of exactly width x height pixels: scaled to fit (vector-sharp), centred
 * on the page's background colour.
 */
export async function captureSlide(el: HTMLElement, width = 1920, height = 1080): Promise<HTMLCanvasElement> {
  const r = el.getBoundingClientRect();
  const scale = Math.min(width / r.width, height / r.height);
  const pic = await captureElement(el, scale);
  const c = document.createElement('canvas');
  c.width = width;
  c.height = height;
  const ctx = c.getContext('2d')!;
  ctx.fillStyle = pageBackground();
  ctx.fillRect(0, 0, width, height);
  ctx.drawImage(pic, Math.round((width - pic.width) / 2), Math.round((height - pic.height) / 2));
  return c;
}

/** Two animation frames: the layout after a state change has been painted. */
export function painted(): Promise<void> {
  return new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r())));
}
