import { expect } from 'vitest';
import { ExpressionEvaluationError } from './errors.ts';
import { type AttributeSource, type EvaluateOptions, type EvaluationResult, evaluateExpression } from './evaluator.ts';

// Test support, not exported by index.ts.

/** Evaluates text over a source. */
export function ev(text: string, source: AttributeSource = {}, options?: EvaluateOptions): EvaluationResult {
  return evaluateExpression(text, source, options);
}

/** The ExpressionEvaluationError that evaluating text throws. */
export function evalError(
  text: string,
  source: AttributeSource = {},
  options?: EvaluateOptions,
): ExpressionEvaluationError {
  try {
    evaluateExpression(text, source, options);
  } catch (error) {
    expect(error).toBeInstanceOf(ExpressionEvaluationError);
    return error as ExpressionEvaluationError;
  }
  throw new Error(`expected ${text} to fail`);
}
