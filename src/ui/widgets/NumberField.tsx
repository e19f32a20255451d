// A labelled number input that lets a person clear and retype: the text is local while editing,
// and only whole numbers inside [min, max] reach the store. An out-of-range value says why.

import { useId, useState } from 'react';

interface Props {
  label: string;
  value: number;
  min: number;
  max: number;
  step?: number;
  onChange(value: number): void;
  className?: string;
  help?: string;
}

export function NumberField({ label, value, min, max, step = 1, onChange, className, help }: Props) {
  const id = useId();
  const [text, setText] = useState<string | null>(null);
  const shown = text ?? String(value);
  const n = Number(shown);
  const invalid =
    shown.trim() === '' || !Number.isFinite(n) || n < min || n > max || (step === 1 && !Number.isInteger(n));
  return (
    <div className={`field ${className ?? ''}`}>
      <label htmlFor={id} title={help}>
        {label}
      </label>
      <input
        id={id}
        type="number"
        inputMode="numeric"
        min={min}
        max={max}
        step={step}
        value={shown}
        aria-invalid={invalid || undefined}
        title={invalid ? `${label}: a whole number from ${min} to ${max}` : help}
        onChange={(e) => {
          const t = e.target.value;
          setText(t);
          const v = Number(t);
          if (
            t.trim() !== '' &&
            Number.isFinite(v) &&
            v >= min &&
            v <= max &&
            (step !== 1 || Number.isInteger(v))
          )
            onChange(v);
        }}
        onBlur={() => setText(null)}
      />
    </div>
  );
}
