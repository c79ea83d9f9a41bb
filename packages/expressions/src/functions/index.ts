import type { FunctionImplementation } from '../context.ts';
import { CONVERSION_FUNCTIONS } from './conversion.ts';
import { DATE_FUNCTIONS } from './dates.ts';
import { GENERATED_FUNCTIONS } from './generated.ts';
import { LOGIC_FUNCTIONS } from './logic.ts';
import { MULTI_VALUED_FUNCTIONS } from './multi-valued.ts';
import { REPLACE_FUNCTIONS } from './replace.ts';
import { STRING_FUNCTIONS } from './strings.ts';

/** Every implemented function, by canonical name. */
export const FUNCTIONS: ReadonlyMap<string, FunctionImplementation> = new Map([
  ...CONVERSION_FUNCTIONS,
  ...DATE_FUNCTIONS,
  ...GENERATED_FUNCTIONS,
  ...LOGIC_FUNCTIONS,
  ...MULTI_VALUED_FUNCTIONS,
  ...REPLACE_FUNCTIONS,
  ...STRING_FUNCTIONS,
]);
