import { ProvisionError } from '@provision/errors';

/** Details of a syntax error: where, what the parser wanted, what it saw. */
export type ExpressionSyntaxErrorDetails = {
  /** 1-based column in the expression text (counting every character, newlines included). */
  readonly column: number;
  readonly expected: string;
  readonly found: string;
};

/** An expression that does not parse. Code `PRV_EXPRESSION_SYNTAX`; the message names the column. */
export class ExpressionSyntaxError extends ProvisionError {
  override readonly details: Readonly<ExpressionSyntaxErrorDetails>;

  constructor(message: string, details: ExpressionSyntaxErrorDetails) {
    super('PRV_EXPRESSION_SYNTAX', message, { details: { ...details } });
    this.name = 'ExpressionSyntaxError';
    this.details = Object.freeze({ ...details });
  }
}

/** Details of an evaluation error: the function that failed and where it was called, when known. */
export type ExpressionEvaluationErrorDetails = {
  readonly function?: string;
  readonly column?: number;
};

/** An expression that parsed but failed on this source. Code `PRV_EXPRESSION_EVALUATION`. */
export class ExpressionEvaluationError extends ProvisionError {
  override readonly details: Readonly<ExpressionEvaluationErrorDetails>;

  constructor(message: string, details: ExpressionEvaluationErrorDetails = {}, cause?: unknown) {
    const clean: { function?: string; column?: number } = {};
    if (details.function !== undefined) clean.function = details.function;
    if (details.column !== undefined) clean.column = details.column;
    super('PRV_EXPRESSION_EVALUATION', message, { details: clean, cause });
    this.name = 'ExpressionEvaluationError';
    this.details = Object.freeze(clean);
  }
}
