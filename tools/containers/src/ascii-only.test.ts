import { describe, expect, it } from 'vitest';
import { asciiOnly } from './bundle.ts';

// Code as esbuild leaves it: non-ASCII characters in a regex (as in @azure/identity), a template,
// a string, an identifier, an astral character, with and without the regex `u` flag.
/* biome-ignore-start lint/suspicious/noTemplateCurlyInString: code as text, templates included */
const code = [
  "const quote = (v) => `'${String(v).replaceAll(/['‘’‚‛]/g, (m) => m + m)}'`;",
  'const café = "naïve — ✓";',
  'const smile = "😀";',
  'const astral = /^😀$/u.test(smile) && /^😀$/.test(smile);',
  'return [quote("it’s"), café, smile, astral, `é${1}`];',
].join('\n');
/* biome-ignore-end lint/suspicious/noTemplateCurlyInString: code as text, templates included */

describe('asciiOnly', () => {
  it('leaves only ASCII, and the code means the same', () => {
    const ascii = asciiOnly(code);
    expect(/[\u0080-\uffff]/.test(ascii)).toBe(false);
    expect(new Function(ascii)()).toEqual(new Function(code)());
    expect(new Function(ascii)()).toEqual(["'it’’s'", 'naïve — ✓', '😀', true, 'é1']);
  });

  it('returns ASCII code unchanged', () => {
    expect(asciiOnly('const a = "b";')).toBe('const a = "b";');
  });
});
