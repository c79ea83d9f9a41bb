import type { ArgumentAst, ExpressionAst } from './ast.ts';

/**
 * Prints an AST as canonical expression text: canonical function names, `", "` between arguments,
 * omitted arguments left empty (`Replace([a], "-", , , "_", , )`), spaces around comparison
 * operators, strings re-escaped. `parseExpression(printExpression(ast))` deep-equals `ast` for every
 * AST `parseExpression` can produce.
 */
export function printExpression(ast: ExpressionAst): string {
  switch (ast.type) {
    case 'attribute':
      return `[${ast.name}]`;
    case 'string':
      return `"${ast.value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
    case 'number':
      return String(ast.value);
    case 'enum':
      return ast.name;
    case 'call':
      return `${ast.name}(${ast.args.map(printArgument).join(', ')})`;
    case 'comparison':
      return `${printExpression(ast.left)} ${ast.operator} ${printExpression(ast.right)}`;
  }
}

function printArgument(arg: ArgumentAst): string {
  return arg.type === 'omitted' ? '' : printExpression(arg);
}
