// The page's Content-Security-Policy forbids eval. zod (the core's schema checker) would probe
// `new Function` to compile fast parsers, and a strict CSP reports that probe as a violation even
// though zod catches it; jitless mode skips the probe. Imported first, before any schema is built.

import { config } from 'zod';

config({ jitless: true });
