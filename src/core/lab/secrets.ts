// Finding the guest's secrets in a snapshot's memory image, in one pass over its pages for all
// secrets at once (Aho-Corasick over the secrets' bytes).
//
// Invariants:
// - Time is linear in the image plus the secrets, whatever the bytes: each byte moves the
//   automaton one step (fail links walked at most as often as depth was gained), a match is
//   counted by bumping the state it ends in (the per-secret totals are summed up the fail tree
//   once, at the end), and offsets are followed through the dictionary links only while a secret
//   still has room for them. A text of matches everywhere costs no more than one without any.
// - Memory is bounded by the secrets (a few arrays per trie node) plus SECRET_OFFSETS_SHOWN offsets
//   per secret: nothing grows with the image or the number of matches.
// - Pages a layer does not hold, and zero pages, read as zeros; once the automaton sits in its
//   "all zeros" state a run of zeros only adds to that state's count, so an image of mostly zero
//   pages costs little. This stays exact even for a secret of zeros (the manifest checks refuse
//   secrets of one repeated byte: see repeatedByte).

import { PAGE_SIZE } from '../types';

/** Offsets recorded per secret (every occurrence is still counted). */
export const SECRET_OFFSETS_SHOWN = 64;

/** One secret's hits in an image. */
export interface SecretHits {
  occurrences: number;
  /** The first SECRET_OFFSETS_SHOWN byte offsets in the image, ascending. */
  offsets: number[];
}

/**
 * The byte a secret repeats when it is nothing but that byte (a one-byte secret included), else
 * null. Such a secret cannot be told apart from filler: it matches wherever memory holds that byte.
 */
export function repeatedByte(bytes: Uint8Array): number | null {
  if (bytes.length === 0) return null;
  const b = bytes[0]!;
  for (let i = 1; i < bytes.length; i++) if (bytes[i] !== b) return null;
  return b;
}

/** Why a secret of one repeated byte is refused (null for any other secret): one message for every caller. */
export function repeatedByteProblem(bytes: Uint8Array): string | null {
  const b = repeatedByte(bytes);
  if (b === null) return null;
  const byte = `0x${b.toString(16).padStart(2, '0')}`;
  const what =
    bytes.length === 1 ? `is one byte (${byte})` : `is one byte repeated (${byte} x ${bytes.length})`;
  return `${what}: a secret needs at least two different bytes, or it matches wherever memory holds that byte and no scan can tell whether it leaked`;
}

/** The automaton over a set of non-empty byte strings, with its per-search counters. */
class Automaton {
  /** The root's children by byte (the state most bytes of most images start from); 0 = none. */
  readonly rootNext = new Int32Array(256);
  /** The other trie edges: key node * 256 + byte -> child. */
  private readonly edges = new Map<number, number>();
  private readonly fail: Int32Array;
  /** Pattern ids that end exactly at each node (identical patterns share a node). */
  private readonly ends: (number[] | undefined)[];
  /** Nodes in breadth-first order (every node after its fail node). */
  private readonly order: Int32Array;
  /** Matches ending in each state; summed up the fail tree by totals(). */
  private readonly visits: Float64Array;
  /** 1 once a node ends no pattern that still wants offsets. */
  private readonly done: Uint8Array;
  /** The next node on the fail chain that may still want offsets (compressed as nodes fill up). */
  private readonly next: Int32Array;
  /** The state reached by reading zeros until it no longer changes. */
  readonly zeroState: number;
  readonly offsets: number[][];

  constructor(private readonly patterns: readonly Uint8Array[]) {
    const fail: number[] = [0];
    const ends: (number[] | undefined)[] = [undefined];
    const firstChild: number[] = [-1];
    const sibling: number[] = [-1];
    const label: number[] = [0];
    patterns.forEach((p, id) => {
      let node = 0;
      for (const b of p) {
        let child = this.child(node, b);
        if (child === 0) {
          child = fail.length;
          fail.push(0);
          ends.push(undefined);
          firstChild.push(-1);
          sibling.push(firstChild[node]!);
          label.push(b);
          firstChild[node] = child;
          if (node === 0) this.rootNext[b] = child;
          else this.edges.set(node * 256 + b, child);
        }
        node = child;
      }
      (ends[node] ??= []).push(id);
    });
    const n = fail.length;
    this.fail = Int32Array.from(fail);
    this.ends = ends;
    this.order = new Int32Array(n);
    this.visits = new Float64Array(n);
    this.done = new Uint8Array(n);
    this.next = new Int32Array(n);
    this.offsets = patterns.map(() => []);
    // breadth-first: fail links, and the dictionary link (nearest pattern end on the fail chain)
    let tail = 1;
    for (let head = 0; head < tail; head++) {
      const v = this.order[head]!;
      for (let c = firstChild[v]!; c >= 0; c = sibling[c]!) {
        const f = v === 0 ? 0 : this.step(this.fail[v]!, label[c]!);
        this.fail[c] = f;
        this.next[c] = this.ends[f] ? f : this.next[f]!;
        this.order[tail++] = c;
      }
    }
    for (let v = 0; v < n; v++) this.done[v] = this.ends[v] ? 0 : 1;
    let z = 0;
    const longest = patterns.reduce((m, p) => Math.max(m, p.length), 0);
    for (let i = 0; i <= longest; i++) z = this.step(z, 0);
    this.zeroState = z;
  }

  private child(node: number, b: number): number {
    return node === 0 ? this.rootNext[b]! : (this.edges.get(node * 256 + b) ?? 0);
  }

  /** The state after reading byte b in state s (amortised O(1): fail steps only lose depth). */
  step(s: number, b: number): number {
    for (;;) {
      const c = this.child(s, b);
      if (c !== 0 || s === 0) return c;
      s = this.fail[s]!;
    }
  }

  /** The first node from v along the chain that still wants offsets (0 when none). */
  private wanting(v: number): number {
    let w = v;
    while (w !== 0 && this.done[w]) w = this.next[w]!;
    // path compression: every node passed over is done for good
    for (let u = v; u !== w && this.done[u];) {
      const after = this.next[u]!;
      this.next[u] = w;
      u = after;
    }
    return w;
  }

  /** True when reading in state s has no offsets to record (the common case, O(1)). */
  quiet(s: number): boolean {
    return this.done[s] === 1 && this.next[s] === 0;
  }

  /** Counts the match state s at image position `end` (the last byte read) and records offsets. */
  visit(s: number, end: number): void {
    this.visits[s]!++;
    if (this.quiet(s)) return;
    for (let w = this.wanting(s); w !== 0; w = this.wanting(this.next[w]!)) {
      const ids = this.ends[w]!;
      let full = true;
      for (const id of ids) {
        const list = this.offsets[id]!;
        if (list.length < SECRET_OFFSETS_SHOWN) list.push(end - this.patterns[id]!.length + 1);
        if (list.length < SECRET_OFFSETS_SHOWN) full = false;
      }
      if (full) this.done[w] = 1;
    }
  }

  /** Adds `count` reads that all stay in state s (a run of zeros in the zero state). */
  stay(s: number, count: number): void {
    this.visits[s]! += count;
  }

  /** Every pattern's number of occurrences: the visits of its node's fail subtree. */
  totals(): number[] {
    const acc = Float64Array.from(this.visits);
    for (let i = this.order.length - 1; i > 0; i--) {
      const v = this.order[i]!;
      acc[this.fail[v]!]! += acc[v]!;
    }
    const out = this.patterns.map(() => 0);
    this.ends.forEach((ids, v) => ids?.forEach((id) => (out[id] = acc[v]!)));
    return out;
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
  const Z = ac.zeroState;
  let state = 0;
  let nextPage = 0; // the next page not yet read
  const root = ac.rootNext;
  const readBytes = (base: number, bytes: Uint8Array) => {
    for (let i = 0; i < bytes.length; i++) {
      // at the root, a byte no secret starts with leaves the automaton there, and the root ends
      // no secret: such bytes count for nothing, so skip to the next one that starts a secret
      if (state === 0) {
        while (i < bytes.length && root[bytes[i]!] === 0) i++;
        if (i === bytes.length) break;
      }
      state = ac.step(state, bytes[i]!);
      ac.visit(state, base + i);
    }
  };
  const zeros = (base: number, count: number) => {
    // zeros one by one until the automaton settles in its zero state with nothing to record;
    // from there every further zero stays in that state
    let i = 0;
    for (; i < count && !(state === Z && ac.quiet(Z)); i++) {
      state = ac.step(state, 0);
      ac.visit(state, base + i);
    }
    if (i < count) ac.stay(Z, count - i);
  };
  eachPage((page, bytes) => {
    if (page > nextPage) zeros(nextPage * PAGE_SIZE, (page - nextPage) * PAGE_SIZE);
    if (isZero(bytes)) zeros(page * PAGE_SIZE, bytes.length);
    else readBytes(page * PAGE_SIZE, bytes);
    nextPage = page + 1;
  });
  if (pages > nextPage) zeros(nextPage * PAGE_SIZE, (pages - nextPage) * PAGE_SIZE);
  const totals = ac.totals();
  live.forEach((id, k) => {
    hits[id] = { occurrences: totals[k]!, offsets: ac.offsets[k]!.sort((a, b) => a - b) };
  });
  return hits;
}

function isZero(bytes: Uint8Array): boolean {
  if (bytes.byteOffset % 4 !== 0 || bytes.length % 4 !== 0) return bytes.every((b) => b === 0);
  const w = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2);
  for (let i = 0; i < w.length; i++) if (w[i] !== 0) return false;
  return true;
}
