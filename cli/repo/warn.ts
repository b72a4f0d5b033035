// A damaged run in the repository is reported on stderr and the command goes on.
export function warnDamage(run: { damage?: string }, command = process.argv[2]): void {
  if (run.damage) process.stderr.write(`subunit ${command}: warning: ${run.damage.replace(/\s*\n\s*/g, ' ')}\n`);
}
