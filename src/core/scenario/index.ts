// Guided scenarios (DOM-free; Node loading is in ./load-node.ts): the data formats (types.ts),
// their checks (parse.ts) and running them on the one Session (run.ts).
export * from './types';
export * from './parse';
export * from './run';
