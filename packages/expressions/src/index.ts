export type {
  ArgumentAst,
  AttributeNode,
  CallNode,
  ComparisonNode,
  ComparisonOperator,
  EnumNode,
  ExpressionAst,
  NumberNode,
  OmittedNode,
  OperandAst,
  StringNode,
} from './ast.ts';
export { columnOf } from './ast.ts';
export {
  ExpressionEvaluationError,
  type ExpressionEvaluationErrorDetails,
  ExpressionSyntaxError,
  type ExpressionSyntaxErrorDetails,
} from './errors.ts';
export {
  type AttributeSource,
  type AttributeValue,
  type EvaluateOptions,
  type EvaluationResult,
  type ExpressionValue,
  evaluateExpression,
  IGNORED,
} from './evaluator.ts';
export { parseExpression } from './parser.ts';
export { printExpression } from './printer.ts';
export { referencedAttributes } from './referenced-attributes.ts';
export { FUNCTION_SIGNATURES, type FunctionSignature, type ParameterSignature } from './signatures.ts';
