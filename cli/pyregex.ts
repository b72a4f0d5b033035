// Python `re` patterns as JavaScript RegExps. Users' filters (and the
// reference's) are Python regular expressions; the dialects differ in more
// than syntax: Python's `.` excludes only "\n", its `$` and `^` know only "\n"
// as a line end, `\w`, `\d`, `\b` are Unicode, `{` that does not start a
// quantifier is a literal. Each construct is rewritten to the JS (u-mode)
// form that matches the same strings; what JS cannot express is refused with
// a clear reason.

export class PythonRegexError extends Error {}

interface Scope { i: boolean; s: boolean; x: boolean }

const WORD = '\\p{L}\\p{N}\\p{Mn}\\p{Pc}'; // str.isalnum() or "_", as Python's \w
const SPACE = '\\s\\x1c-\\x1f'; // str.isspace(): JS's \s plus the four separators
const START = '(?<![\\s\\S])';
const END = '(?![\\s\\S])';
const SYNTAX = new Set('^$\\.*+?()[]{}|/');

const codeEscape = (c: string) => `\\u{${c.codePointAt(0)!.toString(16)}}`;
/** One literal character in JS u-mode syntax (outside a class). */
const literal = (c: string) => (SYNTAX.has(c) ? '\\' + c : c === '-' ? '-' : c);

/** Both cases of a character, for a case-insensitive scope inside a case-sensitive pattern. */
function cases(c: string): string[] {
  const all = new Set([c, c.toLowerCase(), c.toUpperCase()]);
  return [...all].filter((x) => [...x].length === 1);
}

/**
 * Translate a Python pattern. `multiline`: Python's re.MULTILINE (subunit-filter
 * compiles --with/--without with it; re.sub in --rename does not). Returns the
 * source and flags for `new RegExp`.
 */
export function translatePython(pattern: string, multiline: boolean): { source: string; flags: string } {
  const chars = [...pattern];
  let at = 0;
  const global = { i: false, s: false, x: false, m: multiline, a: false };
  // global flags: only at the very start, as Python 3.11+ requires
  for (;;) {
    const m = /^\(\?([aiLmsux]+)\)/.exec(chars.slice(at).join(''));
    if (!m) break;
    for (const f of m[1]) {
      if (f === 'L') throw new PythonRegexError('bad inline flag: cannot use \'L\' flag with a str pattern');
      if (f === 'i' || f === 's' || f === 'x' || f === 'm' || f === 'a') global[f] = true;
    }
    at += [...m[0]].length;
  }
  const scopes: Scope[] = [{ i: global.i, s: global.s, x: global.x }];
  const scope = () => scopes[scopes.length - 1];
  const word = global.a ? 'a-zA-Z0-9_' : WORD;
  const space = global.a ? ' \\t\\n\\r\\f\\v' : SPACE;
  let out = '';
  const peek = (k = 0) => chars[at + k];
  const rest = () => chars.slice(at).join('');

  /** An escape after "\" (at points past it); `inClass` for inside [...]. */
  function escape(inClass: boolean): string {
    const c = chars[at++];
    if (c === undefined) throw new PythonRegexError('bad escape (end of pattern)');
    switch (c) {
      case 'A': if (inClass) break; return START;
      case 'Z': case 'z': if (inClass) break; return END;
      case 'b':
        if (inClass) return '\\x08';
        return global.a ? '\\b' : `(?:(?<=[${word}])(?![${word}])|(?<![${word}])(?=[${word}]))`;
      case 'B':
        if (inClass) break;
        return global.a ? '\\B' : `(?:(?<=[${word}])(?=[${word}])|(?<![${word}])(?![${word}]))`;
      case 'w': return inClass ? word : `[${word}]`;
      case 'W': if (inClass && !global.a) throw new PythonRegexError('\\W inside a character class is not supported');
        return inClass ? '\\W' : `[^${word}]`;
      case 'd': return global.a ? '\\d' : '\\p{Nd}';
      case 'D': return global.a ? '\\D' : '\\P{Nd}';
      case 's': return inClass ? space : `[${space}]`;
      case 'S': if (inClass) throw new PythonRegexError('\\S inside a character class is not supported');
        return `[^${space}]`;
      case 'a': return '\\x07';
      case 'f': case 'n': case 'r': case 't': case 'v': return '\\' + c;
      case 'x': {
        const h = chars.slice(at, at + 2).join('');
        if (!/^[0-9a-fA-F]{2}$/.test(h)) throw new PythonRegexError(`incomplete escape \\x${h}`);
        at += 2;
        return `\\x${h}`;
      }
      case 'u': case 'U': {
        const n = c === 'u' ? 4 : 8;
        const h = chars.slice(at, at + n).join('');
        if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(h)) throw new PythonRegexError(`incomplete escape \\${c}${h}`);
        at += n;
        return `\\u{${parseInt(h, 16).toString(16)}}`;
      }
      case 'N': throw new PythonRegexError('\\N{name} escapes are not supported');
      case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': case '8': case '9': {
        // as sre_parse: \0 and up to two more octal digits, or three octal digits, are a character;
        // else one or two digits are a group reference
        const isOctal = (x: string | undefined) => x !== undefined && x >= '0' && x <= '7';
        if (c === '0') {
          let digits = '0';
          while (digits.length < 3 && isOctal(peek())) digits += chars[at++];
          return codeEscape(String.fromCodePoint(parseInt(digits, 8)));
        }
        if (isOctal(c) && isOctal(peek()) && isOctal(peek(1))) {
          const digits = c + chars[at++] + chars[at++];
          return codeEscape(String.fromCodePoint(parseInt(digits, 8)));
        }
        const ref = /[0-9]/.test(peek() ?? '') ? c + chars[at++] : c;
        if (inClass) throw new PythonRegexError(`bad escape \\${ref}`);
        return `\\${ref}`;
      }
    }
    if (/[A-Za-z]/.test(c)) throw new PythonRegexError(`bad escape \\${c}`);
    // any other escaped character is itself
    return inClass ? classLiteral(c) : caseFold(c);
  }

  function classLiteral(c: string): string {
    const e = c === ']' || c === '\\' || c === '[' || c === '^' || c === '-' ? '\\' + c : c;
    if (scope().i && !global.i) return cases(c).map((x) => (x === c ? e : x)).join('');
    return e;
  }

  /** A literal outside a class, both cases in a case-insensitive scope of a case-sensitive pattern. */
  function caseFold(c: string): string {
    if (scope().i && !global.i) {
      const both = cases(c);
      if (both.length > 1) return `[${both.join('')}]`;
    }
    return literal(c);
  }

  function charClass(): string {
    let s = '[';
    if (peek() === '^') {
      s += '^';
      at++;
    }
    if (peek() === ']') {
      s += '\\]';
      at++;
    }
    for (;;) {
      const c = chars[at++];
      if (c === undefined) throw new PythonRegexError('unterminated character set');
      if (c === ']') return s + ']';
      if (c === '\\') s += escape(true);
      else if (c === '-' && peek() !== ']' && !s.endsWith('[') && !s.endsWith('[^')) {
        // a range: with a case-insensitive scope, the other case's range too
        const from = chars[at - 2];
        const to = peek();
        s += '-';
        if (scope().i && !global.i && /[a-zA-Z]/.test(from ?? '') && /[a-zA-Z]/.test(to ?? '')) {
          at++;
          s += to + (from === from.toLowerCase() ? from.toUpperCase() + '-' + to.toUpperCase() : from.toLowerCase() + '-' + to.toLowerCase());
        }
      } else if (c === '[') s += '\\[';
      else s += classLiteral(c);
    }
  }

  while (at < chars.length) {
    const c = chars[at++];
    if (scope().x) {
      if (/\s/.test(c)) continue;
      if (c === '#') {
        while (at < chars.length && chars[at] !== '\n') at++;
        continue;
      }
    }
    switch (c) {
      case '\\':
        out += escape(false);
        break;
      case '[':
        out += charClass();
        break;
      case '.':
        out += scope().s ? '[\\s\\S]' : '[^\\n]';
        break;
      case '^':
        out += global.m ? '(?:(?<![\\s\\S])|(?<=\\n))' : START;
        break;
      case '$':
        out += global.m ? '(?=\\n|(?![\\s\\S]))' : '(?=\\n?(?![\\s\\S]))';
        break;
      case '(': {
        if (peek() !== '?') {
          scopes.push({ ...scope() });
          out += '(';
          break;
        }
        const r = rest();
        let m: RegExpExecArray | null;
        if ((m = /^\?P<([^>]*)>/.exec(r))) {
          if (!/^[\p{L}_][\p{L}\p{N}_]*$/u.test(m[1])) throw new PythonRegexError(`bad character in group name '${m[1]}'`);
          scopes.push({ ...scope() });
          out += `(?<${m[1]}>`;
          at += [...m[0]].length;
        } else if ((m = /^\?P=([^)]*)\)/.exec(r))) {
          out += `\\k<${m[1]}>`;
          at += [...m[0]].length;
        } else if ((m = /^\?#[^)]*\)/.exec(r))) {
          at += [...m[0]].length;
        } else if ((m = /^\?(:|=|!|<=|<!)/.exec(r))) {
          scopes.push({ ...scope() });
          out += '(' + m[0];
          at += [...m[0]].length;
        } else if ((m = /^\?([aiLmsux]*)(?:-([imsx]+))?:/.exec(r))) {
          // a scoped flag group: i, s and x are rewritten inside it; m, a and turning flags off are not expressible
          const on = m[1];
          const off = m[2] ?? '';
          if (/[aLmu]/.test(on) || /m/.test(off) || (off.includes('i') && global.i)) {
            throw new PythonRegexError(`scoped flags (?${on}${off ? '-' + off : ''}:...) are not supported here`);
          }
          const next = { ...scope() };
          for (const f of on) if (f === 'i' || f === 's' || f === 'x') next[f] = true;
          for (const f of off) if (f === 'i' || f === 's' || f === 'x') next[f] = false;
          scopes.push(next);
          out += '(?:';
          at += [...m[0]].length;
        } else if (/^\?[aiLmsux]+\)/.test(r)) {
          throw new PythonRegexError('global flags not at the start of the expression');
        } else if (r.startsWith('?(')) {
          throw new PythonRegexError('conditional groups (?(id)yes|no) are not supported');
        } else if (r.startsWith('?>')) {
          throw new PythonRegexError('atomic groups (?>...) are not supported');
        } else {
          throw new PythonRegexError(`unknown extension (${r.slice(0, 3)}`);
        }
        break;
      }
      case ')':
        if (scopes.length === 1) throw new PythonRegexError('unbalanced parenthesis');
        scopes.pop();
        out += ')';
        break;
      case '{': {
        // a quantifier only when it is one; `{,m}` is {0,m}; anything else is a literal brace
        const m = /^(\d*)(?:(,)(\d*))?\}/.exec(rest());
        if (m && (m[1] || m[3])) {
          out += `{${m[1] || '0'}${m[2] ? ',' + m[3] : ''}}`;
          at += m[0].length;
        } else out += '\\{';
        break;
      }
      case '}':
        out += '\\}';
        break;
      case ']':
        out += '\\]';
        break;
      case '*': case '+': case '?': case '|':
        out += c;
        break;
      default:
        out += caseFold(c);
    }
  }
  if (scopes.length > 1) throw new PythonRegexError('missing ), unterminated subpattern');
  return { source: out, flags: 'u' + (global.i ? 'i' : '') };
}
