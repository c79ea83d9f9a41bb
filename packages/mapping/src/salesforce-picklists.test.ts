import { describe, expect, it } from 'vitest';
import {
  checkPicklistValue,
  EMAIL_ENCODING_KEYS,
  LANGUAGE_LOCALE_KEYS,
  LOCALE_SID_KEYS,
  TIME_ZONE_SID_KEYS,
} from './salesforce-picklists.ts';

describe('Salesforce picklists', () => {
  it('hold the common values and no duplicates', () => {
    for (const v of ['en_US', 'en_GB', 'fr_FR', 'de_DE', 'ja_JP', 'zh_CN', 'pt_BR', 'es_MX', 'iw_IL', 'in_ID']) {
      expect(LOCALE_SID_KEYS).toContain(v);
    }
    // Salesforce keeps Java's legacy codes: Hebrew is iw_IL, Indonesian in_ID.
    expect(LOCALE_SID_KEYS).not.toContain('he_IL');
    for (const v of ['en_US', 'en_GB', 'fr', 'de', 'ja', 'zh_CN', 'pt_BR', 'es', 'es_MX', 'nl_NL', 'ko', 'sv']) {
      expect(LANGUAGE_LOCALE_KEYS).toContain(v);
    }
    for (const v of [
      'America/Los_Angeles',
      'America/New_York',
      'Europe/London',
      'Europe/Paris',
      'Asia/Kolkata',
      'Asia/Tokyo',
      'GMT',
    ]) {
      expect(TIME_ZONE_SID_KEYS).toContain(v);
    }
    expect(EMAIL_ENCODING_KEYS).toEqual(expect.arrayContaining(['UTF-8', 'ISO-8859-1']));
    for (const list of [LOCALE_SID_KEYS, LANGUAGE_LOCALE_KEYS, TIME_ZONE_SID_KEYS, EMAIL_ENCODING_KEYS]) {
      expect(new Set(list).size).toBe(list.length);
    }
    expect(TIME_ZONE_SID_KEYS.length).toBeGreaterThan(400);
  });

  it('accepts a listed value as is', () => {
    expect(checkPicklistValue('LocaleSidKey', 'en_US')).toEqual({ valid: true, canonical: 'en_US' });
  });

  it("respells a value that differs only in case, or in '-' for '_' (Graph's preferredLanguage)", () => {
    expect(checkPicklistValue('LocaleSidKey', 'EN_US')).toEqual({ valid: true, canonical: 'en_US' });
    expect(checkPicklistValue('LocaleSidKey', 'en-GB')).toEqual({ valid: true, canonical: 'en_GB' });
    expect(checkPicklistValue('TimeZoneSidKey', 'europe/paris')).toEqual({ valid: true, canonical: 'Europe/Paris' });
  });

  it('rejects an unknown value, suggesting a close one when there is one', () => {
    expect(checkPicklistValue('TimeZoneSidKey', 'Europe/Pari')).toEqual({ valid: false, suggestion: 'Europe/Paris' });
    expect(checkPicklistValue('LanguageLocaleKey', 'klingon')).toEqual({ valid: false });
  });

  it('accepts anything for a field that is not a checked picklist', () => {
    expect(checkPicklistValue('Department', 'anything')).toEqual({ valid: true, canonical: 'anything' });
  });
});
