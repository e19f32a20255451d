// Strict JSON text: JSON.parse's messages differ between engines and often omit the position,
// and a deep enough text overflows the stack of any recursive walker. A small RFC 8259 scanner
// runs first: it names the line and column of the first syntax error, finds duplicate keys
// (which JSON.parse would silently resolve) and refuses nesting deeper than a limit, so nothing
// after it (JSON.parse, a schema, a printer) can recurse too deep. Leaves are decoded by JSON.parse.
//
// Invariants: the scanner itself is iterative in depth only up to maxDepth (it stops there), so
// it never overflows; every failure is one CheckError with the field (for duplicate keys) or ''.

import { err, ok, type Result } from '../types';
import type { CheckError } from './check';

class TextProblem {
  constructor(
    readonly offset: number,
    readonly field: string,
    readonly problem: string,
  ) {}
}

const WS = new Set([' ', '\t', '\n', '\r']);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const STRING_ESCAPE = /["\\/bfnrt]|u[0-9A-Fa-f]{4}/y;

function charAt(text: string, i: number): string {
  if (i >= text.length) return 'the end of the file';
  const c = text[i] as string;
  return c < ' ' ? `character U+${c.charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}` : `'${c}'`;
}

class Scanner {
  i = 0;
  constructor(
    readonly text: string,
    readonly maxDepth: number,
  ) {}

  fail(problem: string, field: string, at = this.i): never {
    throw new TextProblem(at, field, problem);
  }

  ws(): void {
    while (this.i < this.text.length && WS.has(this.text[this.i] as string)) this.i++;
  }

  /** Scans one value at the cursor; `field` is its path (for duplicate keys). */
  value(field: string, depth: number): void {
    this.ws();
    if (depth > this.maxDepth) this.fail(`nested deeper than ${this.maxDepth} levels`, field);
    const c = this.text[this.i];
    if (c === '{') return this.object(field, depth);
    if (c === '[') return this.array(field, depth);
    if (c === '"') return void this.string();
    for (const word of ['true', 'false', 'null']) {
      if (this.text.startsWith(word, this.i)) {
        this.i += word.length;
        return;
      }
    }
    NUMBER.lastIndex = this.i;
    if (c !== undefined && /[-0-9]/.test(c) && NUMBER.test(this.text)) {
      this.i = NUMBER.lastIndex;
      return;
    }
    this.fail(
      `expected a value (object, array, string, number, true, false or null), got ${charAt(this.text, this.i)}`,
      field,
    );
  }

  string(): string {
    const start = this.i++;
    for (;;) {
      const c = this.text[this.i];
      if (c === undefined) this.fail('a string is not closed (missing ")', '', start);
      if (c === '"') break;
      if (c < ' ') this.fail(`${charAt(this.text, this.i)} inside a string must be escaped`, '');
      if (c === '\\') {
        STRING_ESCAPE.lastIndex = this.i + 1;
        if (!STRING_ESCAPE.test(this.text)) this.fail(`bad escape sequence in a string`, '');
        this.i = STRING_ESCAPE.lastIndex;
      } else {
        this.i++;
      }
    }
    this.i++;
    return JSON.parse(this.text.slice(start, this.i)) as string;
  }

  object(field: string, depth: number): void {
    this.i++;
    const keys = new Set<string>();
    this.ws();
    if (this.text[this.i] === '}') {
      this.i++;
      return;
    }
    for (;;) {
      this.ws();
      if (this.text[this.i] !== '"') {
        const trailing = this.text[this.i] === '}' ? ' (a comma before "}" is not allowed)' : '';
        this.fail(
          `expected a property name in double quotes, got ${charAt(this.text, this.i)}${trailing}`,
          field,
        );
      }
      const keyAt = this.i;
      const key = this.string();
      const keyField = field === '' ? key : `${field}.${key}`;
      if (keys.has(key)) this.fail(`key appears twice in the same object`, keyField, keyAt);
      keys.add(key);
      this.ws();
      if (this.text[this.i] !== ':')
        this.fail(`expected ":" after a property name, got ${charAt(this.text, this.i)}`, keyField);
      this.i++;
      this.value(keyField, depth + 1);
      this.ws();
      const c = this.text[this.i];
      this.i++;
      if (c === '}') return;
      if (c !== ',')
        this.fail(
          `expected "," or "}" after a property value, got ${charAt(this.text, this.i - 1)}`,
          keyField,
          this.i - 1,
        );
    }
  }

  array(field: string, depth: number): void {
    this.i++;
    this.ws();
    if (this.text[this.i] === ']') {
      this.i++;
      return;
    }
    for (let n = 0; ; n++) {
      const itemField = `${field}[${n}]`;
      this.ws();
      if (this.text[this.i] === ']')
        this.fail(`expected a value, got ']' (a comma before "]" is not allowed)`, itemField);
      this.value(itemField, depth + 1);
      this.ws();
      const c = this.text[this.i];
      this.i++;
      if (c === ']') return;
      if (c !== ',')
        this.fail(
          `expected "," or "]" after an array item, got ${charAt(this.text, this.i - 1)}`,
          itemField,
          this.i - 1,
        );
    }
  }

  document(): void {
    this.value('', 0);
    this.ws();
    if (this.i < this.text.length)
      this.fail(`unexpected ${charAt(this.text, this.i)} after the JSON value`, '');
  }
}

/** Line and column (both from 1) of a UTF-16 offset. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** Parses JSON text strictly (syntax errors with line and column, duplicate keys and deep nesting refused). */
export function parseJson(
  text: string,
  opts: { maxBytes: number; maxDepth: number },
): Result<unknown, CheckError> {
  if (text.length > opts.maxBytes)
    return err({ field: '', problem: `is larger than ${opts.maxBytes} bytes` });
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.trim() === '') return err({ field: '', problem: 'is empty (expected a JSON object)' });
  try {
    new Scanner(body, opts.maxDepth).document();
  } catch (p) {
    if (!(p instanceof TextProblem)) throw p;
    const { line, column } = lineColumn(body, p.offset);
    const where = `line ${line}, column ${column}`;
    if (p.field !== '' && p.problem.startsWith('key appears twice'))
      return err({ field: p.field, problem: `${p.problem} (${where})` });
    if (p.problem.startsWith('nested deeper')) return err({ field: '', problem: `${p.problem} (${where})` });
    return err({ field: '', problem: `JSON syntax error at ${where}: ${p.problem}` });
  }
  return ok(JSON.parse(body) as unknown);
}
