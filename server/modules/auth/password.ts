import { hash, verify, type Algorithm } from '@node-rs/argon2';
import { invalid } from '../../shared/errors';

/**
 * argon2id with OWASP's second recommended setting (19 MiB, 2 passes): memory-hard, so a stolen
 * hash table is costly to brute-force on GPUs.
 */
// 2 is Algorithm.Argon2id: a const enum that isolated modules cannot inline.
const argonOptions = { algorithm: 2 as Algorithm, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export function hashPassword(password: string): Promise<string> {
  return hash(password, argonOptions);
}

export function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  return verify(passwordHash, password).catch(() => false);
}

/** A hash of a random password, verified against when the account does not exist, so timing does not reveal it. */
let decoyHash: Promise<string> | undefined;
export function decoyPasswordHash(): Promise<string> {
  decoyHash ??= hashPassword(`decoy-${Math.random()}`);
  return decoyHash;
}

const commonPasswords = new Set(['password123', 'qwerty12345', '1234567890', 'letmein1234', 'password1234', 'welcome12345']);

/** Minimum policy (NIST 800-63B flavour): length over complexity, and no well-known passwords. */
export function assertPasswordPolicy(password: string, field = 'password'): void {
  if (password.length < 10) throw invalid(field, 'must be at least 10 characters');
  if (password.length > 200) throw invalid(field, 'must be at most 200 characters');
  if (!/[A-Za-z]/.test(password) || !/[0-9]/.test(password)) throw invalid(field, 'must contain letters and digits');
  if (commonPasswords.has(password.toLowerCase())) throw invalid(field, 'is too common');
}
