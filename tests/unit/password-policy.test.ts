import { describe, expect, it } from 'vitest';
import { assertPasswordPolicy } from '../../server/modules/auth/password';
import { ValidationError } from '../../server/shared/errors';
import { testPassword } from '../helpers/factories';

/** The field error the policy throws, or null when the password is accepted. */
function refusal(password: string, userInputs: string[] = [], field = 'password') {
  try {
    assertPasswordPolicy(password, field, userInputs);
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).fields[0]!;
  }
}

/** The README's demo logins' password (server/demo/seed-demo.ts). */
const demoPassword = 'Cuspid-demo-2026';
const maria = ['maria.souza86@example.test', 'Maria Souza', 'Riverside Dental Clinic'];

describe('the password policy', () => {
  it.each(['Welcome2026', 'Password2026!', 'qwertyuiop12', 'P@ssw0rd2026', 'Letmein12345', '1qaz2wsx3edc'])('refuses the well-known %j, saying why', (password) => {
    const problem = refusal(password);
    expect(problem?.field).toBe('password');
    expect(problem?.message).toMatch(/^is too easy to guess\. \S/);
  });

  it.each(['maria.souza86@example.test', 'Maria.Souza86', 'Mariasouza1986', 'Riverside2026!'])("refuses %j when made of the person's own email, name or org, and accepts it from someone else", (password) => {
    expect(refusal(password, maria)?.message).toMatch(/^is too easy to guess\. .*personal/);
    expect(refusal(password, ['joao.lima@example.test', 'João Lima', 'Hillside Clinic'])).toBeNull();
  });

  it.each([demoPassword, testPassword, 'Tr0ub4dor&3xyz-blue', 'granite kettle 47 orbit', 'ZY9u!Qm3rt7Pk'])('accepts the strong %j', (password) => {
    expect(refusal(password, maria)).toBeNull();
  });

  it('keeps the length bounds and names the field it was given', () => {
    expect(refusal('Sh0rt-pw', [], 'admin.password')).toEqual({ field: 'admin.password', message: 'must be at least 10 characters' });
    expect(refusal(`${'Zq8-'.repeat(50)}x`)).toEqual({ field: 'password', message: 'must be at most 200 characters' });
    expect(refusal(`Kx7-${'granite-orbit-'.repeat(14)}`)).toBeNull();
  });
});
