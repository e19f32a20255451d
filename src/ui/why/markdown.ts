// A small reader of the Markdown the project's docs use (docs/FIDELITY.md): headings, paragraphs,
// lists, pipe tables, fenced code, and inline code, bold, italic and links (inline and reference
// style). It parses to plain data; FidelityReader renders it with React, so no HTML string is ever
// built from the document's text. Anything it does not know stays as text.

export type Inline =
  | { t: 'text'; text: string }
  | { t: 'code'; text: string }
  | { t: 'strong'; children: Inline[] }
  | { t: 'em'; children: Inline[] }
  | { t: 'link'; href: string; children: Inline[] };

export type Block =
  | { t: 'heading'; level: number; id: string; text: string; children: Inline[] }
  | { t: 'para'; children: Inline[] }
  | { t: 'list'; ordered: boolean; items: Inline[][] }
  | { t: 'table'; head: Inline[][]; rows: Inline[][][] }
  | { t: 'code'; text: string };

/** The plain text of inline content (for ids and labels). */
export function plain(xs: readonly Inline[]): string {
  return xs.map((x) => (x.t === 'text' || x.t === 'code' ? x.text : plain(x.children))).join('');
}

/** A heading's anchor as GitHub makes it: lowercase, punctuation dropped, spaces to dashes. */
export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .trim()
    .replace(/\s/g, '-');
}

const INLINE =
  /`([^`]+)`|\*\*(.+?)\*\*|\*([^*\s][^*]*?)\*|\[([^\]]+)\]\(([^)\s]+)\)|\[([^\]]+)\]\[([^\]]*)\]/;

/** Inline content of one paragraph's text; `refs` resolves reference-style links. */
export function inline(text: string, refs: ReadonlyMap<string, string>): Inline[] {
  const out: Inline[] = [];
  let rest = text;
  while (rest.length > 0) {
    const m = INLINE.exec(rest);
    if (!m) {
      out.push({ t: 'text', text: rest });
      break;
    }
    if (m.index > 0) out.push({ t: 'text', text: rest.slice(0, m.index) });
    if (m[1] !== undefined) out.push({ t: 'code', text: m[1] });
    else if (m[2] !== undefined) out.push({ t: 'strong', children: inline(m[2], refs) });
    else if (m[3] !== undefined) out.push({ t: 'em', children: inline(m[3], refs) });
    else if (m[4] !== undefined) out.push({ t: 'link', href: m[5]!, children: inline(m[4], refs) });
    else {
      const label = m[6]!;
      const href = refs.get((m[7] || label).toLowerCase());
      out.push(href ? { t: 'link', href, children: inline(label, refs) } : { t: 'text', text: m[0] });
    }
    rest = rest.slice(m.index + m[0].length);
  }
  return out;
}

const cells = (line: string) =>
  line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((c) => c.trim());

/** Parses a document into blocks. */
export function parseMarkdown(src: string): Block[] {
  const lines = src.replace(/\r\n?/g, '\n').split('\n');
  const refs = new Map<string, string>();
  const body: string[] = [];
  for (const l of lines) {
    const r = /^\s{0,3}\[([^\]]+)\]:\s*(\S+)/.exec(l);
    if (r) refs.set(r[1]!.toLowerCase(), r[2]!);
    else body.push(l);
  }
  const blocks: Block[] = [];
  const ids = new Map<string, number>();
  let i = 0;
  const isBreak = (l: string) =>
    l.trim() === '' ||
    /^#{1,6}\s/.test(l) ||
    /^```/.test(l) ||
    /^\s*\|/.test(l) ||
    /^\s*([-*]|\d+\.)\s/.test(l);
  while (i < body.length) {
    const l = body[i]!;
    if (l.trim() === '') {
      i++;
      continue;
    }
    const h = /^(#{1,6})\s+(.*)$/.exec(l);
    if (h) {
      const children = inline(h[2]!.trim(), refs);
      const text = plain(children);
      const base = slug(text);
      const n = ids.get(base) ?? 0;
      ids.set(base, n + 1);
      blocks.push({ t: 'heading', level: h[1]!.length, id: n ? `${base}-${n}` : base, text, children });
      i++;
      continue;
    }
    if (/^```/.test(l)) {
      const code: string[] = [];
      i++;
      while (i < body.length && !/^```/.test(body[i]!)) code.push(body[i++]!);
      i++;
      blocks.push({ t: 'code', text: code.join('\n') });
      continue;
    }
    if (/^\s*\|/.test(l)) {
      const rows: string[] = [];
      while (i < body.length && /^\s*\|/.test(body[i]!)) rows.push(body[i++]!);
      const [head, , ...rest] = rows;
      blocks.push({
        t: 'table',
        head: cells(head!).map((c) => inline(c, refs)),
        rows: rest.map((r) => cells(r).map((c) => inline(c, refs))),
      });
      continue;
    }
    const item = /^\s*([-*]|\d+\.)\s+(.*)$/.exec(l);
    if (item) {
      const ordered = /\d/.test(item[1]!);
      const items: string[] = [];
      while (i < body.length) {
        const m = /^\s*([-*]|\d+\.)\s+(.*)$/.exec(body[i]!);
        if (m) items.push(m[2]!);
        else if (body[i]!.trim() !== '' && /^\s+/.test(body[i]!) && items.length)
          items[items.length - 1] += ` ${body[i]!.trim()}`;
        else break;
        i++;
      }
      blocks.push({ t: 'list', ordered, items: items.map((x) => inline(x, refs)) });
      continue;
    }
    const para: string[] = [];
    while (i < body.length && (para.length === 0 || !isBreak(body[i]!))) para.push(body[i++]!.trim());
    blocks.push({ t: 'para', children: inline(para.join(' '), refs) });
  }
  return blocks;
}
