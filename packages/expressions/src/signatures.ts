/** One parameter of a function, as the reference names it. */
export interface ParameterSignature {
  readonly name: string;
  readonly optional?: boolean;
}

/** The shape of a function's argument list, checked when an expression is parsed. */
export interface FunctionSignature {
  readonly name: string;
  readonly params: readonly ParameterSignature[];
  /** Further arguments after `params`, each optional, at least `min` of them. */
  readonly rest?: { readonly name: string; readonly min: number };
  /** Switch: after `params`, key/value pairs (at least one pair). */
  readonly pairs?: boolean;
  /** SelectUniqueValue: only allowed as the whole expression. */
  readonly topLevelOnly?: boolean;
}

const req = (name: string): ParameterSignature => ({ name });
const opt = (name: string): ParameterSignature => ({ name, optional: true });

/**
 * Every function of the Entra expression language (reference §3.2), plus `Trim`, a Provision
 * extension that Entra lacks.
 */
export const FUNCTION_SIGNATURES: readonly FunctionSignature[] = [
  { name: 'Append', params: [req('source'), req('suffix')] },
  { name: 'AppRoleAssignmentsComplex', params: [req('appRoleAssignments')] },
  { name: 'BitAnd', params: [req('value1'), req('value2')] },
  { name: 'CBool', params: [req('expression')] },
  { name: 'CDate', params: [req('expression')] },
  { name: 'Coalesce', params: [], rest: { name: 'source', min: 1 } },
  { name: 'ConvertToBase64', params: [req('source')] },
  { name: 'ConvertToUTF8Hex', params: [req('source')] },
  { name: 'Count', params: [req('attribute')] },
  { name: 'CStr', params: [req('value')] },
  { name: 'DateAdd', params: [req('interval'), req('value'), req('dateTime')] },
  { name: 'DateDiff', params: [req('interval'), req('date1'), req('date2')] },
  { name: 'DateFromNum', params: [req('value')] },
  {
    name: 'FormatDateTime',
    params: [req('source'), opt('dateTimeStyles'), req('inputFormat'), req('outputFormat')],
  },
  { name: 'Guid', params: [] },
  { name: 'IgnoreFlowIfNullOrEmpty', params: [req('expression')] },
  { name: 'IIF', params: [req('condition'), req('valueIfTrue'), req('valueIfFalse')] },
  { name: 'InStr', params: [req('value1'), req('value2'), opt('start'), opt('compareType')] },
  { name: 'IsNull', params: [req('expression')] },
  { name: 'IsNullOrEmpty', params: [req('expression')] },
  { name: 'IsPresent', params: [req('expression')] },
  { name: 'IsString', params: [req('expression')] },
  { name: 'Item', params: [req('attribute'), req('index')] },
  { name: 'Join', params: [req('separator')], rest: { name: 'source', min: 1 } },
  { name: 'Left', params: [req('string'), req('numChars')] },
  { name: 'Mid', params: [req('source'), req('start'), req('length')] },
  { name: 'NormalizeDiacritics', params: [req('source')] },
  { name: 'Not', params: [req('source')] },
  { name: 'Now', params: [] },
  { name: 'NumFromDate', params: [req('value')] },
  { name: 'PCase', params: [req('source'), opt('wordSeparators')] },
  {
    name: 'RandomString',
    params: [
      req('length'),
      req('minimumNumbers'),
      req('minimumSpecialCharacters'),
      req('minimumCapital'),
      req('minimumLowerCase'),
      opt('charactersToAvoid'),
    ],
  },
  { name: 'Redact', params: [req('value')] },
  { name: 'RemoveDuplicates', params: [req('attribute')] },
  {
    name: 'Replace',
    params: [
      req('source'),
      opt('oldValue'),
      opt('regexPattern'),
      opt('regexGroupName'),
      opt('replacementValue'),
      opt('replacementAttributeName'),
      opt('template'),
    ],
  },
  { name: 'SelectUniqueValue', params: [], rest: { name: 'uniqueValueRule', min: 2 }, topLevelOnly: true },
  { name: 'SingleAppRoleAssignment', params: [req('appRoleAssignments')] },
  { name: 'Split', params: [req('source'), req('delimiter')] },
  { name: 'StripSpaces', params: [req('source')] },
  { name: 'Switch', params: [req('source'), opt('defaultValue')], pairs: true },
  { name: 'ToLower', params: [req('source'), opt('culture')] },
  { name: 'ToUpper', params: [req('source'), opt('culture')] },
  { name: 'Trim', params: [req('source')] },
  { name: 'Word', params: [req('string'), req('wordNumber'), req('delimiters')] },
];

const byLowerName = new Map(FUNCTION_SIGNATURES.map((s) => [s.name.toLowerCase(), s]));

/** The signature of a function, found case-insensitively (Entra's own spelling is kept in the AST). */
export function findSignature(name: string): FunctionSignature | undefined {
  return byLowerName.get(name.toLowerCase());
}

/** The VB enum identifiers the language knows (InStr's compareType). */
export const ENUM_NAMES: readonly string[] = ['vbBinaryCompare', 'vbTextCompare'];

/** The canonical spelling of an enum identifier, found case-insensitively. */
export function findEnum(name: string): string | undefined {
  const lower = name.toLowerCase();
  return ENUM_NAMES.find((e) => e.toLowerCase() === lower);
}
