// Python `re` patterns translated for JS (cli/pyregex.ts), checked against
// Python's own `re` on a table of patterns and texts: the same match (text and
// code-point position), or an error in both.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { PYTHON, hasReference } from './helpers.js';
import { pythonRegExp, pythonReplacement } from '../cli/commands/filter.js';

const TEXTS = [
  'pkg.test_foo', 'pkg.TestFoo.test_bar(scenario)', 'a\nb\n', 'x\r\ny', 'end\n', 'café test_ünïcode', '٣ digits 42',
  'tab\there', 'pkg.mod.Test{1}', 'a{b}c', ']bracket[', 'sep\x1cx', 'dot.\u2028line', 'AbC', 'foo bar  baz', '',
  'failure: AssertionError\nTraceback', 'x#y z', 'ß straße', '\x07bell', 'oct\x00nul',
];
const PATTERNS = [
  'test_foo', '^pkg', 'foo$', 'b$', '\\Z', 'b\\Z', '\\Aa', '\\Apkg', '(?i)abc', '(?i)TEST_FOO',
  '(?x) test _ foo  # comment', '(?x)a [ ] b', '(?x) \\  bar', '(?P<name>Test\\w+)\\.(?P=name)?', '(?P<n>o)(?P=n)',
  '(?s)a.b', 'a.b', 'x.y', '.', 't.p', '\\w+', '\\W+', '\\d+', '\\D+', '\\s+', '\\S+', '\\bbar\\b', '\\Bar', 'ünï\\w',
  '{1}', 'Test{1}', 'a{b}', 'a{,2}b', 'a{1,}', 'o{2}', ']', '[]a]+', '[^]a]+', '[\\]]', '[a-c]+', '[\\w.]+', '[\\d]+', '[\\s]+',
  '\\{', '\\}', '\\#', '\\ ', '\\-', '\\"', '\\%', '\\/', '\\x41', '\\u00e9', '\\U0001F600|caf\\u00e9', '\\0', '\\101', '\\t',
  '(a)\\1', '(?:ab)+', '(?=pkg)p', '(?!x)a', '(?<=\\.)test', '(?<!x)y', '(?#a comment)pkg', '(?i:abc)', 'x(?i:y)', '(?i:TEST)_foo',
  '(?s:a.)b', '(?x:a b)c', 'a|b', 'a*?b', 'Trace(back)?', '^Traceback', '^b$', '(?m)^b$', '(?a)\\w+', '(?a)\\d+', '(?is)A.B',
  '\\A\\Z', 'ß', '(?i)SS', '[a-c', '(', 'a)', '\\q', '(?i)a(?i)b', '\\8', '(?P<1>a)', 'a**',
];

interface Case { pattern: string; text: string; multiline: boolean }
const CASES: Case[] = PATTERNS.flatMap((pattern) => TEXTS.flatMap((text) => [true, false].map((multiline) => ({ pattern, text, multiline }))));

/** Python's verdict on every case: [matched text, code-point start], null (no match), or 'error'. */
function pythonResults(cases: Case[]): ([string, number] | null | 'error')[] {
  const script = `
import json, re, sys
out = []
for c in json.load(sys.stdin):
    try:
        m = re.search(c['pattern'], c['text'], re.M if c['multiline'] else 0)
        out.append([m.group(0), m.start()] if m else None)
    except re.error:
        out.append('error')
json.dump(out, sys.stdout)
`;
  const r = spawnSync(PYTHON, ['-c', script], { input: JSON.stringify(cases), maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(r.stderr.toString());
  return JSON.parse(r.stdout.toString());
}

function ours(c: Case): [string, number] | null | 'error' {
  let re: RegExp;
  try {
    re = pythonRegExp(c.pattern, { multiline: c.multiline });
  } catch {
    return 'error';
  }
  const m = re.exec(c.text);
  return m ? [m[0], [...c.text.slice(0, m.index)].length] : null;
}

describe.runIf(hasReference)('Python regular expressions, as Python\'s re matches them', () => {
  const want = pythonResults(CASES);
  it(`${PATTERNS.length} patterns × ${TEXTS.length} texts, with and without re.MULTILINE`, () => {
    const wrong = CASES.map((c, k) => ({ ...c, python: want[k], ours: ours(c) })).filter((r) => JSON.stringify(r.python) !== JSON.stringify(r.ours));
    expect(wrong).toEqual([]);
    // the table exercises matches, misses and errors
    expect(want.filter((w) => Array.isArray(w)).length).toBeGreaterThan(500);
    expect(want.filter((w) => w === 'error').length).toBeGreaterThan(100);
  });

  it('--rename replacements (\\1, \\g<name>, \\g<1>) as re.sub', () => {
    const subs: [string, string, string][] = [
      ['^pkg\\.(\\w+)', 'x.\\1', 'pkg.mod.test'], ['(?P<a>test)_(?P<b>\\w+)', '\\g<b>_\\g<a>', 'pkg.test_foo'],
      ['(t)', '\\g<1>\\\\$', 'test'], ['o', '0', 'foo boo'], ['\\.', '/', 'a.b.c'], ['$', '!', 'end\n'], ['(?i)T', 'X', 'tTt'],
    ];
    const script = 'import json, re, sys\nprint(json.dumps([re.sub(p, r, s) for p, r, s in json.load(sys.stdin)]))';
    const want2 = JSON.parse(spawnSync(PYTHON, ['-c', script], { input: JSON.stringify(subs) }).stdout.toString());
    expect(subs.map(([p, r, s]) => s.replace(pythonRegExp(p, { global: true }), pythonReplacement(r)))).toEqual(want2);
  });
});

describe('Python constructs JS cannot express are refused by name', () => {
  it.each([
    ['(a)?(?(1)b|c)', 'conditional groups (?(id)yes|no) are not supported'],
    ['(?>a)', 'atomic groups (?>...) are not supported'],
    ['a(?i)b', 'global flags not at the start of the expression'],
    ['\\N{DIGIT ONE}', '\\N{name} escapes are not supported'],
  ])('%s', (pattern, reason) => {
    expect(() => pythonRegExp(pattern)).toThrow(`bad regular expression ${JSON.stringify(pattern)}: ${reason}`);
  });
});
