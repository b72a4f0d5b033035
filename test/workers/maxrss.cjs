// Preloaded with `node --require`: at exit, writes this process's peak
// resident set size (KiB) to the file named by $MAXRSS_FILE. On Linux that is
// VmHWM, the peak of this program's own memory: getrusage's maxRSS starts at
// the peak of the process that spawned it (kept across exec), so a child of a
// 190 MiB test runner reported 190 MiB however little it used.
const { writeFileSync, readFileSync } = require('node:fs');

function peakKiB() {
  try {
    const hwm = /^VmHWM:\s*(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm) return Number(hwm[1]);
  } catch {
    // no /proc: getrusage's figure, an upper bound
  }
  return process.resourceUsage().maxRSS;
}

process.on('exit', () => {
  if (process.env.MAXRSS_FILE) writeFileSync(process.env.MAXRSS_FILE, String(peakKiB()));
});
