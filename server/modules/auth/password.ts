import { hash, verify, type Algorithm } from '@node-rs/argon2';
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as zxcvbnCommon from '@zxcvbn-ts/language-common';
import * as zxcvbnEnglish from '@zxcvbn-ts/language-en';
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

/**
 * zxcvbn-ts with its common-password, name and English word lists, built on first use (a fifth of
 * a second). Estimating is superlinear in length and in l33t variants, so only the first 64
 * characters are analysed and substitutions are capped: a 200-character repeated pattern would
 * otherwise hold the event loop for most of a second on a public route. A password whose first 64
 * characters are strong is strong.
 */
let estimator: ZxcvbnFactory | undefined;
function strength(password: string, userInputs: string[]) {
  estimator ??= new ZxcvbnFactory({
    dictionary: { ...zxcvbnCommon.dictionary, ...zxcvbnEnglish.dictionary },
    graphs: zxcvbnCommon.adjacencyGraphs,
    translations: zxcvbnEnglish.translations,
    maxLength: 64,
    l33tMaxSubstitutions: 10,
  });
  return estimator.check(password, userInputs);
}

/** zxcvbn's "safely unguessable" (about 10^8 guesses and up): resists online guessing and slows offline cracking. */
const minimumScore = 3;

/**
 * Words a guesser who knows the person would try: each input whole, each part around an `@`
 * (an email's mailbox and domain), their words and the words run together ("mariasouza").
 */
function personalWords(inputs: readonly (string | null | undefined)[]): string[] {
  const words = new Set<string>(['cuspid']);
  for (const input of inputs) {
    if (!input) continue;
    const text = input.toLowerCase();
    for (const part of [text, ...text.split('@')]) {
      const parts = part.split(/[^\p{L}\p{N}]+/u).filter((w) => w.length >= 3);
      for (const word of [part, ...parts, parts.join('')]) if (word.length >= 3) words.add(word);
    }
  }
  return [...words];
}

/**
 * NIST 800-63B flavour: length, and not guessable: common passwords, keyboard walks, dates, l33t
 * and the person's own email, name and org count against it (`userInputs`).
 */
export function assertPasswordPolicy(password: string, field = 'password', userInputs: readonly (string | null | undefined)[] = []): void {
  if (password.length < 10) throw invalid(field, 'must be at least 10 characters');
  if (password.length > 200) throw invalid(field, 'must be at most 200 characters');
  if (!/[A-Za-z]/.test(password) || !/[0-9]/.test(password)) throw invalid(field, 'must contain letters and digits');
  const { score, feedback } = strength(password, personalWords(userInputs));
  if (score < minimumScore) {
    const advice = [feedback.warning, ...feedback.suggestions].filter(Boolean).join(' ');
    throw invalid(field, `is too easy to guess.${advice ? ` ${advice}` : ''}`);
  }
}
