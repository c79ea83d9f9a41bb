import type { ExpressionAst } from './ast.ts';
import { attributesIn } from './functions/logic.ts';
import { parseExpression } from './parser.ts';

/**
 * The attribute names an expression reads, each once (compared case-insensitively, first spelling
 * kept), in order of appearance. A string naming Replace's replacementAttributeName counts too.
 *
 * @throws ExpressionSyntaxError when given text that does not parse.
 */
export function referencedAttributes(expr: string | ExpressionAst): string[] {
  const ast = typeof expr === 'string' ? parseExpression(expr) : expr;
  const names = attributesIn(ast);
  collectReplaceAttributeNames(ast, names);
  const seen = new Set<string>();
  return names.filter((name) => {
    const key = name.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function collectReplaceAttributeNames(node: ExpressionAst, out: string[]): void {
  if (node.type === 'comparison') {
    collectReplaceAttributeNames(node.left, out);
    collectReplaceAttributeNames(node.right, out);
  } else if (node.type === 'call') {
    const named = node.args[5];
    if (node.name === 'Replace' && named?.type === 'string') out.push(named.value);
    for (const arg of node.args) if (arg.type !== 'omitted') collectReplaceAttributeNames(arg, out);
  }
}
