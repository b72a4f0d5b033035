// Preloaded with `node --require`: at exit, writes this process's peak
// resident set size (KiB) to the file named by $MAXRSS_FILE.
const { writeFileSync } = require('node:fs');
process.on('exit', () => {
  if (process.env.MAXRSS_FILE) writeFileSync(process.env.MAXRSS_FILE, String(process.resourceUsage().maxRSS));
});
