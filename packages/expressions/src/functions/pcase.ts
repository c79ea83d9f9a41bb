// .NET's TextInfo.ToTitleCase treats these Unicode categories as word separators (the reference
// lists them under PCase): spaces, controls, format characters, punctuation and symbols.
const SEPARATOR = /[\p{Zs}\p{Zl}\p{Zp}\p{Cc}\p{Cf}\p{Pc}\p{Pd}\p{Ps}\p{Pe}\p{Pi}\p{Pf}\p{Po}\p{Sm}\p{Sc}\p{Sk}\p{So}]/u;
const LETTER = /\p{L}/u;

/**
 * PCase: the first character of each word upper case, every other character lower case.
 *
 * Without `separators`, words are split as .NET's `ToTitleCase` splits them (after lower-casing the
 * whole string, which is what makes "PABLO" become "Pablo" rather than stay an acronym): a word
 * starts at a letter, runs to the next separator character, and an apostrophe inside a word does
 * not start a new word ("o'neil" → "O'neil"); a letter after a digit starts one, as in .NET
 * ("3rd" → "3Rd"). With `separators`, exactly those characters separate words.
 */
export function properCase(text: string, separators?: string): string {
  const chars = [...text.toLowerCase()];
  if (separators !== undefined) {
    const set = new Set(separators);
    let atStart = true;
    return chars
      .map((ch) => {
        if (set.has(ch)) {
          atStart = true;
          return ch;
        }
        const out = atStart ? ch.toUpperCase() : ch;
        atStart = false;
        return out;
      })
      .join('');
  }
  let out = '';
  let inWord = false;
  for (const ch of chars) {
    if (inWord) {
      if (ch !== "'" && SEPARATOR.test(ch)) inWord = false;
      out += ch;
    } else if (LETTER.test(ch)) {
      out += ch.toUpperCase();
      inWord = true;
    } else {
      out += ch;
    }
  }
  return out;
}
