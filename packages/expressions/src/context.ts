import type { ArgumentAst, CallNode } from './ast.ts';
import type { Value } from './values.ts';

/** Options with every default filled in, as function implementations see them. */
export interface ResolvedOptions {
  readonly now: () => Date;
  readonly newGuid: () => string;
  readonly random: () => number;
  readonly isUniqueValue: ((value: string) => boolean) | undefined;
}

/** What a function implementation gets: lazily evaluated arguments and the evaluation context. */
export interface CallContext {
  readonly node: CallNode;
  readonly argCount: number;
  readonly options: ResolvedOptions;
  /** Whether argument i (0-based) was left empty or not given at all. */
  isOmitted(i: number): boolean;
  /** Argument i's value, evaluated once on first use; null when omitted. */
  arg(i: number): Value;
  /** Argument i's AST node. */
  argNode(i: number): ArgumentAst | undefined;
  /** Reads an attribute of the source (case-insensitively); absent → null. */
  attribute(name: string): Value;
  /** Fails the call with a message about this function. */
  fail(message: string): never;
}

/** A function of the language. */
export type FunctionImplementation = (ctx: CallContext) => Value;

// Thrown by IgnoreFlowIfNullOrEmpty wherever it sits: the whole attribute leaves the flow.
export class IgnoreFlow {}
