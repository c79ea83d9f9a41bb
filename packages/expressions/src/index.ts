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
export { compileDotnetRegex } from './functions/dotnet-regex.ts';
export { parseExpression } from './parser.ts';
export { printExpression } from './printer.ts';
export { referencedAttributes } from './referenced-attributes.ts';
export { type BacktrackingRisk, findBacktrackingRisk } from './regex/backtracking-risk.ts';
export {
  type BoundedRegex,
  MAX_BACKTRACKING_INPUT,
  RegexInputTooLongError,
  type RegexMatch,
  RegexRiskError,
  RegexSyntaxError,
} from './regex/bounded-regex.ts';
export { findRiskyPatterns, type RiskyPattern } from './risky-patterns.ts';
export { FUNCTION_SIGNATURES, type FunctionSignature, type ParameterSignature } from './signatures.ts';
