import type { ComparisonOperator } from './ast.ts';
import { DateTimeValue, single, toBoolean, toText, type Value, ValueError } from './values.ts';

const NUMERIC = /^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)\s*$/;

/**
 * Compares two values as IIF conditions do.
 *
 * - A boolean against anything compares as booleans ("true"/"TRUE"/"True" all equal True).
 * - Two numbers, or a number and a numeric string, or (for `<`, `<=`, `>`, `>=`) two numeric
 *   strings, compare as numbers; two dates compare as instants.
 * - Everything else compares as text, ordinally and case-sensitively, like Switch.
 *
 * Null (an absent attribute) only ever meets `=`/`<>` after IIF's own check; it equals only null.
 */
export function compareValues(operator: ComparisonOperator, leftValue: Value, rightValue: Value): boolean {
  const left = single(leftValue);
  const right = single(rightValue);
  if (left === null || right === null) {
    if (operator === '=') return left === right;
    if (operator === '<>') return left !== right;
    throw new ValueError(`cannot order an empty value with "${operator}"`);
  }
  let order: number;
  if (typeof left === 'boolean' || typeof right === 'boolean') {
    const l = toBoolean(left);
    const r = toBoolean(right);
    if (operator !== '=' && operator !== '<>')
      throw new ValueError(`cannot order True/False values with "${operator}"`);
    order = l === r ? 0 : 1;
  } else if (left instanceof DateTimeValue && right instanceof DateTimeValue) {
    order = Math.sign(left.epochMs - right.epochMs);
  } else if (isNumeric(left, right, operator)) {
    order = Math.sign(Number(left) - Number(right));
  } else {
    const l = toText(left)!;
    const r = toText(right)!;
    order = l === r ? 0 : l < r ? -1 : 1;
  }
  switch (operator) {
    case '=':
      return order === 0;
    case '<>':
      return order !== 0;
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '>':
      return order > 0;
    case '>=':
      return order >= 0;
  }
}

function isNumeric(left: unknown, right: unknown, operator: ComparisonOperator): boolean {
  const num = (v: unknown) => typeof v === 'number' || (typeof v === 'string' && NUMERIC.test(v));
  if (!num(left) || !num(right)) return false;
  if (typeof left === 'number' || typeof right === 'number') return true;
  return operator !== '=' && operator !== '<>';
}
