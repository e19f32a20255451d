// Guided scenarios (DOM-free; Node loading is in ./load-node.ts): the data formats (types.ts),
// their checks (parse.ts), narration placeholders filled from the live run (narration.ts) and
// running them on the one Session (run.ts).
export * from './types';
export * from './parse';
export * from './narration';
export * from './run';
