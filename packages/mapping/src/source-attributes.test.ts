import { describe, expect, it } from 'vitest';
import { defaultMappingConfig } from './default-mapping.ts';
import { sourceAttributes } from './source-attributes.ts';

describe('sourceAttributes', () => {
  it('lists the Graph attributes the default mapping reads, without the computed ones', () => {
    expect(sourceAttributes(defaultMappingConfig())).toEqual([
      'accountenabled',
      'givenname',
      'mail',
      'preferredlanguage',
      'surname',
      'userprincipalname',
    ]);
  });
});
