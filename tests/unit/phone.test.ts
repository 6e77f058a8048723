import { describe, expect, it } from 'vitest';
import { normalisePhone, phoneCountryOf, phoneProblem } from '../../server/shared/phone';

describe('phone numbers', () => {
  it.each([
    ['+5511912345678', '+5511912345678'],
    ['+55 (11) 91234-5678', '+5511912345678'],
    ['+1 415.555.2671', '+14155552671'],
    ['  +44 20 7946 0958 ', '+442079460958'],
    ['+91 98200 12345', '+919820012345'],
  ])('stores %s with its country code as %s', (input, stored) => {
    expect(normalisePhone(input)).toBe(stored);
    expect(normalisePhone(input, 'IN')).toBe(stored);
  });

  it.each([
    ['(11) 91234-5678', 'BR', '+5511912345678'],
    ['11 3456-7890', 'BR', '+551134567890'],
    ['098200 12345', 'IN', '+919820012345'],
    ['98200-12345', 'IN', '+919820012345'],
  ])('reads the national format %s in %s', (input, country, stored) => {
    expect(normalisePhone(input, country as 'BR' | 'IN')).toBe(stored);
  });

  it.each([
    ['11912345678', undefined],
    ['+0123456789', undefined],
    ['+12345678', undefined],
    ['+1234567890123456', undefined],
    ['+55 11 9123a5678', undefined],
    ['+5511912345678 call after 6', undefined],
    ['', undefined],
    ['+', undefined],
    ['++5511912345678', undefined],
    // A São Paulo mobile missing its ninth digit, and a number too short for India.
    ['(11) 1234-5678', 'BR'],
    ['98200 1234', 'IN'],
  ])('refuses %j (default country %s)', (input, country) => {
    expect(normalisePhone(input, country as 'BR' | 'IN' | undefined)).toBeNull();
  });

  it('takes the default country from the org’s time zone, old zone names included', () => {
    expect(phoneCountryOf('America/Sao_Paulo')).toBe('BR');
    expect(phoneCountryOf('Asia/Kolkata')).toBe('IN');
    expect(phoneCountryOf('Asia/Calcutta')).toBe('IN');
    expect(phoneCountryOf('Europe/Berlin')).toBe('DE');
    expect(phoneCountryOf('UTC')).toBeUndefined();
  });

  it('says how to write the number', () => {
    expect(phoneProblem('BR')).toContain('as dialled in Brazil');
    expect(phoneProblem()).toContain('with its country code');
  });
});
