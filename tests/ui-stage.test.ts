// The stage's pure parts: view preferences read back from storage (anything hand-edited falls
// back), the URL's view flags, the classes <html> gets, the glossary holding every term the panels
// use and the paper, a line for every library, the iframe link, the header's first sentence, a
// big count grouped without changing its text, and a recorded WebM's duration written in.

import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { LIBRARY_IDS } from '../src/core/lab/types';
import { VERDICTS } from '../src/core/settings/words';
import { LIBRARY_NOTES } from '../src/ui/lib/libraryNotes';
import { firstSentence } from '../src/ui/panels/Header';
import { embedUrl } from '../src/ui/panels/PresentControls';
import { Grouped } from '../src/ui/panels/StatusBar';
import { GLOSSARY, glossaryEntry, PAPER, SETTING_TERMS } from '../src/ui/view/glossary';
import { readPrefs, rootClasses, urlFlags } from '../src/ui/view/prefs';
import { withDuration } from '../src/ui/view/webm';

describe('view preferences', () => {
  it('reads what was stored, and falls back field by field on anything else', () => {
    expect(readPrefs(null)).toEqual({ theme: 'system', largeType: false, orientationSeen: false });
    expect(readPrefs('{"theme":"light","largeType":true,"orientationSeen":true}')).toEqual({
      theme: 'light',
      largeType: true,
      orientationSeen: true,
    });
    expect(readPrefs('{"theme":"purple","largeType":"yes"}')).toEqual({
      theme: 'system',
      largeType: false,
      orientationSeen: false,
    });
    expect(readPrefs('not json')).toEqual(readPrefs(null));
    expect(readPrefs('[1,2]')).toEqual(readPrefs(null));
  });

  it('takes ?embed and ?present from the URL, and no other spelling of "off"', () => {
    expect(urlFlags('')).toEqual({ embed: false, present: false });
    expect(urlFlags('?embed')).toEqual({ embed: true, present: false });
    expect(urlFlags('?embed=1&present=1')).toEqual({ embed: true, present: true });
    expect(urlFlags('?embed=0&present=false')).toEqual({ embed: false, present: false });
  });

  it('gives <html> the classes of the state; embedded is presenter type without the chrome', () => {
    const base = { theme: 'dark', largeType: false, presenting: false, embed: false } as const;
    expect(rootClasses(base)).toEqual([]);
    expect(rootClasses({ ...base, theme: 'light', largeType: true })).toEqual(['light', 'large']);
    // presenter mode sets its own type size: Large type waits
    expect(rootClasses({ ...base, largeType: true, presenting: true })).toEqual(['present']);
    expect(rootClasses({ ...base, embed: true })).toEqual(['present', 'embed']);
  });
});

describe('the glossary', () => {
  it('explains every term the issue names, each verdict word, and every library', () => {
    const wanted = [
      'vmgenid',
      'sysgenid',
      'wipeonsuspend',
      'vdso-getrandom',
      'crng',
      'reseed',
      'notify-delay',
      'entropy-ledger',
      'rdrand',
      'copy-on-write',
      'diff-snapshot',
      'generation',
      'first-unique',
      'pairs',
      'leaf-sharers',
      ...VERDICTS.map((v) => `verdict-${v}`),
      ...LIBRARY_IDS.map((id) => `lib-${id}`),
    ];
    for (const k of wanted) expect(glossaryEntry(k)?.text.length, k).toBeGreaterThan(20);
    expect(new Set(GLOSSARY.map((e) => e.key)).size).toBe(GLOSSARY.length);
    for (const k of Object.values(SETTING_TERMS)) expect(glossaryEntry(k!), k).toBeDefined();
  });

  it('names the paper: title, authors, year and its arXiv link', () => {
    expect(PAPER.title).toBe('Restoring Uniqueness in MicroVM Snapshots');
    expect(PAPER.short).toBe('Brooker, Catangiu, Danilov, Graf, MacCarthaigh, Sandu');
    expect(PAPER.year).toBe(2021);
    expect(PAPER.arxiv).toBe('arXiv:2102.12892');
    expect(PAPER.url).toBe('https://arxiv.org/abs/2102.12892');
  });

  it('has one line for each of the libraries the Library select offers', () => {
    expect(Object.keys(LIBRARY_NOTES).sort()).toEqual([...LIBRARY_IDS].sort());
  });
});

describe('small words of the stage', () => {
  it('an iframe link is the lab link with ?embed=1, the lab state kept in the hash', () => {
    expect(embedUrl('https://example.org/talks/lab/#s=abc')).toBe(
      'https://example.org/talks/lab/?embed=1#s=abc',
    );
    expect(embedUrl('https://example.org/lab/?present=1#s=x')).toBe(
      'https://example.org/lab/?present=1&embed=1#s=x',
    );
  });

  it("the header shows a guest description's first sentence (6.1 is not an end)", () => {
    expect(firstSentence('A guest on a Linux 6.1 kernel: no driver. More words here.')).toBe(
      'A guest on a Linux 6.1 kernel: no driver.',
    );
    expect(firstSentence('No full stop')).toBe('No full stop');
  });

  it('a big count is grouped by threes on screen, and its text is still the number', () => {
    const html = (n: number) => renderToString(createElement(Grouped, { n })).replace(/<!-- -->/g, '');
    expect(html(7)).toBe('7');
    expect(html(96192)).toBe('96<span class="grp">192</span>');
    expect(html(1234567)).toBe('1<span class="grp">234</span><span class="grp">567</span>');
    const text = (n: number) => html(n).replace(/<[^>]+>/g, '');
    expect(Number(text(96192))).toBe(96192);
  });
});

describe('a recorded WebM gets its duration', () => {
  const vint = (n: number) => [0x80 | n];
  const el = (id: number[], data: number[]) => [...id, ...vint(data.length), ...data];
  const info = [
    ...el([0x2a, 0xd7, 0xb1], [0x0f, 0x42, 0x40]), // TimecodeScale 1,000,000 ns
    ...el([0x4d, 0x80], [0x41, 0x42]), // MuxingApp "AB"
  ];
  const tracks = el([0x16, 0x54, 0xae, 0x6b], [1, 2, 3]);
  const header = el([0x1a, 0x45, 0xdf, 0xa3], [0x42, 0x86, 0x81, 0x01]);
  const infoEl = [0x15, 0x49, 0xa9, 0x66, ...vint(info.length), ...info];

  /** The Duration the file's Info holds, read as MediaRecorder's readers do. */
  function durationOf(bytes: Uint8Array): number | null {
    for (let i = 0; i + 11 <= bytes.length; i++)
      if (bytes[i] === 0x44 && bytes[i + 1] === 0x89 && bytes[i + 2] === 0x88)
        return new DataView(bytes.buffer, bytes.byteOffset + i + 3, 8).getFloat64(0);
    return null;
  }

  it('adds Duration to the Info of a segment of unknown size, and keeps every other byte', () => {
    const seg = [
      0x18,
      0x53,
      0x80,
      0x67,
      0x01,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      ...infoEl,
      ...tracks,
    ];
    const file = new Uint8Array([...header, ...seg]);
    const out = withDuration(file, 4321.5);
    expect(durationOf(out)).toBe(4321.5);
    expect(out.length).toBe(file.length + 11 + 7); // the element, and Info's size now 8 bytes long
    expect([...out.subarray(out.length - tracks.length)]).toEqual(tracks);
    // idempotent: a second pass rewrites the value in place
    expect(durationOf(withDuration(out, 10))).toBe(10);
    expect(withDuration(out, 10).length).toBe(out.length);
  });

  it('grows a segment of known size by what it added, and leaves a file it does not know alone', () => {
    const body = [...infoEl, ...tracks];
    const file = new Uint8Array([...header, 0x18, 0x53, 0x80, 0x67, 0x40, body.length, ...body]);
    const out = withDuration(file, 99);
    expect(durationOf(out)).toBe(99);
    const size = ((out[header.length + 4]! & 0x3f) << 8) | out[header.length + 5]!;
    expect(size).toBe(out.length - header.length - 6);
    const junk = new Uint8Array([1, 2, 3, 4]);
    expect(withDuration(junk, 5)).toBe(junk);
  });
});
