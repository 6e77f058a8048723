import { getCountryForTimezone } from 'countries-and-timezones';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

/** What a person may type in a phone number besides digits: a leading plus, spaces, dashes, dots, brackets. */
const phoneCharacters = /^\+?[\d\s().-]+$/;

/**
 * The one reading of a phone number typed by a person (a patient's, a staff member's): checked
 * against the numbering plan of its country (full metadata, so a mobile missing a digit is refused),
 * stored as E.164 ('+5511912345678'). A number without '+country' is read in `defaultCountry`'s
 * national format ('(11) 91234-5678' in BR, '098200 12345' in IN); without a default it must carry
 * its country code. Null when it is not a valid number.
 */
export function normalisePhone(input: string, defaultCountry?: CountryCode): string | null {
  const text = input.trim();
  if (!phoneCharacters.test(text)) return null;
  const parsed = parsePhoneNumberFromString(text, { defaultCountry, extract: false });
  return parsed?.isValid() ? parsed.number : null;
}

/** Why `normalisePhone` refused a number, in words for the person who typed it. */
export function phoneProblem(defaultCountry?: CountryCode): string {
  return defaultCountry
    ? `is not a valid phone number: write it as dialled in ${countryNames.of(defaultCountry) ?? defaultCountry}, or with its country code, e.g. +55 11 91234-5678`
    : 'is not a valid phone number: write it with its country code, e.g. +55 11 91234-5678 or +91 98200 12345';
}

const countryNames = new Intl.DisplayNames(['en'], { type: 'region' });

/**
 * The country whose national format a number typed in an org is read in: the country of the org's
 * IANA time zone (America/Sao_Paulo → BR, Asia/Kolkata or its old name Asia/Calcutta → IN).
 * Undefined for zones of no country (UTC), where numbers must carry their country code.
 */
export function phoneCountryOf(timeZone: string): CountryCode | undefined {
  return getCountryForTimezone(timeZone)?.id as CountryCode | undefined;
}
