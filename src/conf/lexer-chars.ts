/** The iked.conf lexer's character classes (parse.y's isalnum/ispunct tests and allowed_in_string). */

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
export function isAlpha(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}
export function isAlnum(c: number): boolean {
  return isDigit(c) || isAlpha(c);
}
export function isPunct(c: number): boolean {
  return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126);
}
export function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}
const NOT_IN_STRING = new Set('(){}<>!=/#,'.split('').map((ch) => ch.charCodeAt(0)));
export function allowedInString(c: number): boolean {
  return isAlnum(c) || (isPunct(c) && !NOT_IN_STRING.has(c));
}
/** allowedInString for 0..127 (nothing above is), as a table: the lexer's fast paths test every character. */
export const IN_STRING = new Uint8Array(128).map((_, c) => (allowedInString(c) ? 1 : 0));
const ENDS_NUMBER = new Set(')/,}='.split('').map((ch) => ch.charCodeAt(0)));
export function allowedToEndNumber(c: number): boolean {
  return isSpace(c) || ENDS_NUMBER.has(c);
}
