// A labelled number input that never rewrites what a person typed. With `onTyped` the text of a
// value outside [min, max] (or not a number) lives with the caller (the store), is shown as typed,
// and marked invalid with the limit in words beside the field; only values within the limits
// reach onChange. Without `onTyped` the text is kept locally while editing. The help shows as
// text under the field while it has focus (keyboard, touch and projector alike), not only as a
// hover title; `more` is anything after it (a glossary link).

import { useId, useState, type ReactNode } from 'react';

interface Props {
  label: string;
  value: number;
  min: number;
  max: number;
  /** 1: whole numbers only (the default); 'any': decimals allowed. */
  step?: number | 'any';
  onChange(value: number): void;
  className?: string;
  help?: string;
  /** The limit in words, shown beside the field ("1 to 10,000"). */
  limit?: string;
  /** The text typed that is not a valid value (controlled by the caller), or undefined. */
  typed?: string;
  /** Reports the field's text when it is not a valid value, and null when it is one again. */
  onTyped?(text: string | null): void;
  /** Shown after the help while the field has focus (a glossary link). */
  more?: ReactNode;
}

/** The value a text stands for, if it is one within the limits. */
export function parseNumber(text: string, min: number, max: number, whole: boolean): number | null {
  const t = text.trim();
  if (t === '' || !(whole ? /^\d+$/ : /^(?:\d+(?:\.\d*)?|\.\d+)$/).test(t)) return null;
  const n = Number(t);
  return Number.isFinite(n) && n >= min && n <= max ? n : null;
}

export function NumberField({
  label,
  value,
  min,
  max,
  step = 1,
  onChange,
  className,
  help,
  limit,
  typed,
  onTyped,
  more,
}: Props) {
  const id = useId();
  const [local, setLocal] = useState<string | null>(null);
  const whole = step !== 'any';
  const shown = onTyped ? (typed ?? String(value)) : (local ?? String(value));
  const invalid = parseNumber(shown, min, max, whole) === null;
  return (
    <div className={`field ${className ?? ''}`}>
      <label htmlFor={id} title={help}>
        {label}
      </label>
      <input
        id={id}
        type="number"
        inputMode={whole ? 'numeric' : 'decimal'}
        min={min}
        max={max}
        step={step}
        value={shown}
        aria-invalid={invalid || undefined}
        aria-describedby={
          [limit && `${id}-limit`, help && `${id}-help`].filter(Boolean).join(' ') || undefined
        }
        title={
          invalid
            ? `${label}: ${whole ? 'a whole number' : 'a number'} from ${limit ?? `${min} to ${max}`}`
            : help
        }
        onChange={(e) => {
          const t = e.target.value;
          const v = parseNumber(t, min, max, whole);
          if (onTyped) onTyped(v === null ? t : null);
          else setLocal(t);
          if (v !== null) onChange(v);
        }}
        onBlur={onTyped ? undefined : () => setLocal(null)}
      />
      {limit && (
        <span id={`${id}-limit`} className={`limit${invalid ? ' bad' : ''}`}>
          {invalid ? `must be ${limit}` : limit}
        </span>
      )}
      {help && (
        <span id={`${id}-help`} className="help">
          {help}
          {more}
        </span>
      )}
    </div>
  );
}
