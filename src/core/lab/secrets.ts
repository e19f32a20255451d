// Finding the guest's secrets in a snapshot's memory image, in one pass over its pages for all
// secrets at once (Aho-Corasick: time linear in the image plus the secrets, whatever the bytes).
// Pages a layer does not hold, and zero pages, read as zeros; a zero page entered in the
// automaton's "all zeros" state is skipped whole, so an image of mostly zero pages costs little.
//
// Invariants: a secret of a single repeated byte is refused before it gets here (manifest
// checks); at most SECRET_OFFSETS_SHOWN offsets are recorded per secret, every occurrence counted.

import { PAGE_SIZE } from '../types';

/** Offsets recorded per secret (every occurrence is still counted). */
export const SECRET_OFFSETS_SHOWN = 64;

/** One secret's hits in an image. */
export interface SecretHits {
  occurrences: number;
  /** The first SECRET_OFFSETS_SHOWN byte offsets in the image, ascending. */
  offsets: number[];
}

/** The automaton over a set of byte strings (each non-empty). */
class Automaton {
  /** Trie edges: key node * 256 + byte -> child. */
  private readonly edges = new Map<number, number>();
  private readonly fail: number[] = [0];
  /** Secrets ending at each node (including through fail links: merged when built). */
  private readonly ends: number[][] = [[]];
  private readonly depth: number[] = [0];
  /** The node reached by reading zeros until the state no longer changes. */
  readonly zeroState: number;
  readonly longest: number;
  private readonly delta = new Map<number, number>();

  constructor(patterns: readonly Uint8Array[]) {
    this.longest = patterns.reduce((m, p) => Math.max(m, p.length), 0);
    patterns.forEach((p, id) => {
      let node = 0;
      for (const b of p) {
        const key = node * 256 + b;
        let next = this.edges.get(key);
        if (next === undefined) {
          next = this.fail.length;
          this.fail.push(0);
          this.ends.push([]);
          this.depth.push(this.depth[node]! + 1);
          this.edges.set(key, next);
        }
        node = next;
      }
      this.ends[node]!.push(id);
    });
    // breadth-first fail links
    const order: number[] = [];
    const children = new Map<number, [number, number][]>();
    for (const [key, child] of this.edges) {
      const parent = Math.floor(key / 256);
      let list = children.get(parent);
      if (!list) children.set(parent, (list = []));
      list.push([key % 256, child]);
    }
    const queue: number[] = [];
    for (const [, child] of children.get(0) ?? []) queue.push(child);
    for (let h = 0; h < queue.length; h++) {
      const node = queue[h]!;
      order.push(node);
      for (const [b, child] of children.get(node) ?? []) {
        let f = this.fail[node]!;
        while (f !== 0 && !this.edges.has(f * 256 + b)) f = this.fail[f]!;
        const target = this.edges.get(f * 256 + b);
        this.fail[child] = target !== undefined && target !== child ? target : 0;
        this.ends[child] = [...this.ends[child]!, ...this.ends[this.fail[child]!]!];
        queue.push(child);
      }
    }
    let z = 0;
    for (let i = 0; i <= this.longest; i++) z = this.step(z, 0);
    this.zeroState = z;
  }

  /** The next state after reading byte b in state s (memoised). */
  step(s: number, b: number): number {
    const key = s * 256 + b;
    const known = this.delta.get(key);
    if (known !== undefined) return known;
    let f = s;
    let next: number | undefined;
    for (;;) {
      next = this.edges.get(f * 256 + b);
      if (next !== undefined || f === 0) break;
      f = this.fail[f]!;
    }
    const out = next ?? 0;
    this.delta.set(key, out);
    return out;
  }

  matches(s: number): readonly number[] {
    return this.ends[s]!;
  }
}

/**
 * Searches an image of `pages` pages for every pattern. `eachPage(fn)` calls fn(page, bytes) for
 * the pages that hold data, ascending; the others read as zeros.
 */
export function searchImage(
  pages: number,
  patterns: readonly Uint8Array[],
  eachPage: (fn: (page: number, bytes: Uint8Array) => void) => void,
): SecretHits[] {
  const hits: SecretHits[] = patterns.map(() => ({ occurrences: 0, offsets: [] }));
  const live = patterns.map((p, i) => (p.length > 0 ? i : -1)).filter((i) => i >= 0);
  if (live.length === 0) return hits;
  const ac = new Automaton(live.map((i) => patterns[i]!));
  let state = 0;
  let next = 0; // the next page not yet read
  const record = (k: number, end: number) => {
    const id = live[k]!;
    const h = hits[id]!;
    h.occurrences++;
    if (h.offsets.length < SECRET_OFFSETS_SHOWN) h.offsets.push(end - patterns[id]!.length + 1);
  };
  const readBytes = (base: number, bytes: Uint8Array) => {
    for (let i = 0; i < bytes.length; i++) {
      state = ac.step(state, bytes[i]!);
      const m = ac.matches(state);
      for (let k = 0; k < m.length; k++) record(m[k]!, base + i);
    }
  };
  const zeroPages = (from: number, to: number) => {
    // zeros until the automaton settles in its zero state; from there nothing can match in zeros
    for (let p = from; p < to && state !== ac.zeroState; p++) {
      const base = p * PAGE_SIZE;
      for (let i = 0; i < PAGE_SIZE && state !== ac.zeroState; i++) {
        state = ac.step(state, 0);
        const m = ac.matches(state);
        for (let k = 0; k < m.length; k++) record(m[k]!, base + i);
      }
    }
  };
  eachPage((page, bytes) => {
    zeroPages(next, page);
    if (state === ac.zeroState && isZero(bytes)) {
      next = page + 1;
      return;
    }
    readBytes(page * PAGE_SIZE, bytes);
    next = page + 1;
  });
  zeroPages(next, pages);
  for (const h of hits) h.offsets.sort((a, b) => a - b);
  return hits;
}

function isZero(bytes: Uint8Array): boolean {
  if (bytes.byteOffset % 4 !== 0 || bytes.length % 4 !== 0) return bytes.every((b) => b === 0);
  const w = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2);
  for (let i = 0; i < w.length; i++) if (w[i] !== 0) return false;
  return true;
}
