// Tracebacks folded so that failures with the same cause compare equal:
// addresses, paths and numbers differ between runs and tests, the cause does not.

const RULES: [RegExp, string][] = [
  [/\b0x[0-9a-fA-F]+\b/g, '0x…'], // object addresses
  [/\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b/g, '<uuid>'],
  [/(?:[A-Za-z]:)?(?:[\w.~@+-]*[/\\])+([\w.@+-]+)/g, '…/$1'], // a path keeps its file name
  [/\d+(?:\.\d+)?(?!x…)/g, 'N'], // line numbers, counts, times, ports (not the 0 of 0x…)
];

export function foldTraceback(text: string): string {
  let out = text;
  for (const [re, by] of RULES) out = out.replace(re, by);
  return out
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
    .trim();
}
