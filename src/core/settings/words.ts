// The lab's words live beside the verdicts they name (lab/words.ts); settings, the CLI and the
// app import them from here as well.
export * from '../lab/words';
