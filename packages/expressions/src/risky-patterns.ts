import { type ArgumentAst, columnOf, type ExpressionAst } from './ast.ts';
import { findBacktrackingRisk } from './regex/backtracking-risk.ts';

/** A constant regex pattern that a backtracking engine could take exponential time to match. */
export interface RiskyPattern {
  /** 1-based column of the pattern's string constant in the expression text. */
  readonly column: number;
  readonly pattern: string;
  /** What is wrong, with the 1-based character of the pattern at fault. */
  readonly message: string;
}

// The functions that take a regular expression, and the position of its argument.
const PATTERN_ARGUMENT: Readonly<Record<string, number>> = { Replace: 2 };

/**
 * Finds the constant patterns of an expression (Replace's regexPattern) with nested or overlapping
 * quantifiers, such as `(\w+\s?)+`: the mapping check and the expression tester report them before
 * anything runs. They are run on RE2, in linear time, all the same; Entra's engine and any other
 * backtracking one would hang on them.
 */
export function findRiskyPatterns(ast: ExpressionAst): RiskyPattern[] {
  const found: RiskyPattern[] = [];
  const visit = (node: ArgumentAst): void => {
    if (node.type === 'comparison') {
      visit(node.left);
      visit(node.right);
    }
    if (node.type !== 'call') return;
    const at = PATTERN_ARGUMENT[node.name];
    const arg = at === undefined ? undefined : node.args[at];
    if (arg?.type === 'string') {
      const risk = findBacktrackingRisk(arg.value);
      if (risk) {
        found.push({
          column: columnOf(arg) ?? columnOf(node) ?? 1,
          pattern: arg.value,
          message: `${node.name} regexPattern "${arg.value}" could take exponential time to match: ${risk.message} (character ${risk.index + 1} of the pattern)`,
        });
      }
    }
    for (const a of node.args) visit(a);
  };
  visit(ast);
  return found;
}
