// Preloaded (node --import) into a CLI process the benchmarks start: at exit it writes the
// process's peak resident set size in KiB to the file UL_RSS_FILE names.
import { writeFileSync } from 'node:fs';

process.on('exit', () => {
  if (process.env.UL_RSS_FILE) writeFileSync(process.env.UL_RSS_FILE, String(process.resourceUsage().maxRSS));
});
