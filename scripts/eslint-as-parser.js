// ESLint parser for AssemblyScript sources: AssemblyScript allows decorators (@inline, @lazy, ...)
// on top-level functions and globals, which TypeScript's grammar rejects. Blank them out (keeping
// every offset) and hand the rest to the TypeScript parser, so import rules can check assembly/.
import { parser as tsParser } from 'typescript-eslint';

const decorator = /@(inline|lazy|unsafe|global|final|unmanaged|external|operator)(\([^)]*\))?/g;

export function parseForESLint(code, options) {
  const blanked = code.replace(decorator, (m) => ' '.repeat(m.length));
  return tsParser.parseForESLint(blanked, options);
}

export default { parseForESLint };
