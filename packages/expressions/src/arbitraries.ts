import fc from 'fast-check';
import type { ArgumentAst, ExpressionAst, OperandAst } from './ast.ts';
import { COMPARISON_OPERATORS } from './ast.ts';
import { ENUM_NAMES, FUNCTION_SIGNATURES, type FunctionSignature } from './signatures.ts';

// Test support: fast-check arbitraries for ASTs the parser can produce. Not exported by index.ts.

export const ATTRIBUTE_NAMES = [
  'mail',
  'userPrincipalName',
  'givenName',
  'country',
  'IsSoftDeleted',
  'appRoleAssignments',
  'proxyAddresses',
  'n',
];

const attribute = fc.constantFrom(...ATTRIBUTE_NAMES).map((name) => ({ type: 'attribute' as const, name }));
const anyAttribute = fc
  .string({ minLength: 1, maxLength: 12 })
  .filter((s) => !s.includes(']') && s.trim() !== '')
  .map((name) => ({ type: 'attribute' as const, name }));
const str = fc.string({ maxLength: 12 }).map((value) => ({ type: 'string' as const, value }));
const num = fc
  .oneof(fc.integer({ min: -20, max: 300 }), fc.double({ noNaN: true, noDefaultInfinity: true }))
  .map((value) => ({ type: 'number' as const, value: value === 0 ? 0 : value }));
const enumeration = fc.constantFrom(...ENUM_NAMES).map((name) => ({ type: 'enum' as const, name }));

const callable = FUNCTION_SIGNATURES.filter((s) => !s.topLevelOnly);

function argumentCount(signature: FunctionSignature): fc.Arbitrary<number> {
  const fixed = signature.params.length;
  if (signature.rest) return fc.integer({ min: fixed + signature.rest.min, max: fixed + signature.rest.min + 2 });
  if (signature.pairs) return fc.integer({ min: 1, max: 3 }).map((pairs) => fixed + pairs * 2);
  const required = signature.params.filter((p) => !p.optional).length;
  return fc.integer({ min: required, max: fixed });
}

/** ASTs of every shape, over attribute names, constants and calls of every function. */
export function expressionArbitrary(
  options: { anyNames?: boolean; maxDepth?: number } = {},
): fc.Arbitrary<ExpressionAst> {
  const leaf: fc.Arbitrary<OperandAst> = fc.oneof(options.anyNames ? anyAttribute : attribute, str, num, enumeration);
  const { operand } = fc.letrec<{ operand: OperandAst; argument: ArgumentAst; expression: ExpressionAst }>((tie) => ({
    operand: fc.oneof({ depthSize: 'small', maxDepth: options.maxDepth ?? 3 }, leaf, leaf, call(tie)),
    argument: fc.oneof(tie('expression'), fc.constant({ type: 'omitted' as const })),
    expression: fc.oneof(tie('operand'), tie('operand'), comparison(tie)),
  }));
  return fc.oneof(
    operand,
    fc.record({
      type: fc.constant('comparison' as const),
      operator: fc.constantFrom(...COMPARISON_OPERATORS),
      left: operand,
      right: operand,
    }),
  );
}

type Tie = <K extends 'operand' | 'argument' | 'expression'>(
  key: K,
) => fc.Arbitrary<{ operand: OperandAst; argument: ArgumentAst; expression: ExpressionAst }[K]>;

function call(tie: Tie): fc.Arbitrary<OperandAst> {
  return fc.constantFrom(...callable).chain((signature) =>
    argumentCount(signature).chain((count) =>
      fc
        .tuple(
          ...Array.from({ length: count }, (_, i) => (isRequired(signature, i) ? tie('expression') : tie('argument'))),
        )
        .filter((args) => !(args.length === 1 && args[0]?.type === 'omitted'))
        .map((args) => ({ type: 'call' as const, name: signature.name, args })),
    ),
  );
}

function comparison(tie: Tie): fc.Arbitrary<ExpressionAst> {
  return fc.record({
    type: fc.constant('comparison' as const),
    operator: fc.constantFrom(...COMPARISON_OPERATORS),
    left: tie('operand'),
    right: tie('operand'),
  });
}

function isRequired(signature: FunctionSignature, index: number): boolean {
  const param = signature.params[index];
  return param !== undefined && !param.optional;
}
