/** An attribute of the source object, written `[name]`. Names are matched case-insensitively. */
export interface AttributeNode {
  readonly type: 'attribute';
  readonly name: string;
}

/** A string constant, written in double quotes with `\"` and `\\` escapes. */
export interface StringNode {
  readonly type: 'string';
  readonly value: string;
}

/** A numeric constant: decimal (`8`, `-10`, `1.5`) or VB hex (`&HF7`). Always finite; never -0. */
export interface NumberNode {
  readonly type: 'number';
  readonly value: number;
}

/** A VB enum identifier such as `vbBinaryCompare`, held in its canonical spelling. */
export interface EnumNode {
  readonly type: 'enum';
  readonly name: string;
}

/** A function call; `name` is the canonical spelling of a known function. */
export interface CallNode {
  readonly type: 'call';
  readonly name: string;
  readonly args: readonly ArgumentAst[];
}

/**
 * An optional argument left empty, as in `Replace([a], "-", , , "_", , )`. Only ever an argument,
 * and never the only one: `F()` parses as a call without arguments.
 */
export interface OmittedNode {
  readonly type: 'omitted';
}

export type ComparisonOperator = '=' | '<>' | '<' | '<=' | '>' | '>=';

/** A comparison, as used in `IIF([country]="FR", …)`. Comparisons do not chain. */
export interface ComparisonNode {
  readonly type: 'comparison';
  readonly operator: ComparisonOperator;
  readonly left: OperandAst;
  readonly right: OperandAst;
}

/** What may stand on either side of a comparison. */
export type OperandAst = AttributeNode | StringNode | NumberNode | EnumNode | CallNode;

/** A parsed expression: plain, JSON-serialisable data (positions are kept aside, see `columnOf`). */
export type ExpressionAst = OperandAst | ComparisonNode;

/** What may stand in an argument position of a call. */
export type ArgumentAst = ExpressionAst | OmittedNode;

export const COMPARISON_OPERATORS: readonly ComparisonOperator[] = ['=', '<>', '<', '<=', '>', '>='];

// Positions live outside the nodes so that an AST deep-equals the AST of its printed text.
const columns = new WeakMap<object, number>();

/** Records the 1-based column where a node starts in the text it was parsed from. */
export function setColumn(node: object, column: number): void {
  columns.set(node, column);
}

/** The 1-based column where a node starts, when it came from `parseExpression`. */
export function columnOf(node: object): number | undefined {
  return columns.get(node);
}
