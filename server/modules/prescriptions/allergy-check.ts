import { drugClasses, type DrugClass } from './drug-classes';

/** What the patient is allergic to, as recorded (a class code, a medicine or free text), with how it shows. */
export interface KnownAllergy {
  substance: string;
  reaction?: string | null;
  severity?: string | null;
}

export type AllergyMatch = 'same' | 'class' | 'crossReaction';

/** Why a medicine should not be given without a second thought, for one allergy. */
export interface AllergyWarning {
  /** The allergy as recorded, or as the medical history words it: what an acknowledgement names. */
  substance: string;
  source: 'allergies' | 'medicalHistory';
  reaction: string | null;
  severity: string | null;
  medicine: string;
  match: AllergyMatch;
  /** The class the medicine belongs to, when the data file knows it. */
  classCode: string | null;
  className: string | null;
  message: string;
}

/** Lower case, accents and punctuation gone, words single-spaced: 'Amoxicilina + Clavulanato' → 'amoxicilina clavulanato'. */
export function normaliseDrugText(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

interface Term {
  words: string;
  drugClass: DrugClass;
  /** The member's generic name; null for a word naming the class itself. */
  drug: string | null;
}

const classByCode = new Map(drugClasses.map((c) => [c.code, c]));

// Longest first, so 'amoxicillin clavulanate' is recognised before 'amoxicillin'.
const terms: Term[] = drugClasses
  .flatMap((drugClass) => [
    ...[drugClass.code, drugClass.name, ...drugClass.aliases].map((word) => ({ words: normaliseDrugText(word), drugClass, drug: null })),
    ...drugClass.members.flatMap((member) => [member.name, ...member.synonyms].map((word) => ({ words: normaliseDrugText(word), drugClass, drug: member.name }))),
  ])
  .filter((term) => term.words)
  .sort((a, b) => b.words.length - a.words.length);

const containsWords = (text: string, words: string) => ` ${text} `.includes(` ${words} `);

/** The drug classes a text names (a medicine as prescribed, an allergy as typed), one entry per class. */
export function recogniseDrugs(text: string): { drugClass: DrugClass; drug: string | null }[] {
  const normalised = normaliseDrugText(text);
  const found = new Map<string, { drugClass: DrugClass; drug: string | null }>();
  for (const term of terms) {
    if (!found.has(term.drugClass.code) && containsWords(normalised, term.words)) found.set(term.drugClass.code, { drugClass: term.drugClass, drug: term.drug });
  }
  return [...found.values()];
}

/** The class a structured allergy's substance names by its code, for labels ('penicillins' → 'Penicillins'). */
export function drugClassOf(code: string): DrugClass | undefined {
  return classByCode.get(code);
}

const negations = new Set(['no', 'not', 'nao', 'sem', 'nenhuma', 'nega', 'denies']);

/**
 * Allergies the medical history states in so many words ("penicillin allergy", "allergic to
 * amoxicillin", "alergia a dipirona" for the classes known here), unless negated ("no penicillin
 * allergy"). Structured allergies are the rule; this catches the records written before them.
 */
export function allergiesInHistory(history: string | null | undefined): KnownAllergy[] {
  if (!history) return [];
  const words = normaliseDrugText(history).split(' ');
  const found = new Map<string, KnownAllergy>();
  const isAllergyWord = (word: string | undefined) => !!word && /^(allerg|alerg)/.test(word);
  for (const term of terms) {
    if (found.has(term.drugClass.code)) continue;
    const termWords = term.words.split(' ');
    for (let i = 0; i + termWords.length <= words.length; i++) {
      if (termWords.some((word, k) => words[i + k] !== word)) continue;
      const after = words[i + termWords.length];
      // 'allergic to X', 'alergia a X', 'allergy: X'; skip one linking word.
      const before = [words[i - 1], words[i - 2]];
      const linked = isAllergyWord(before[0]) || (isAllergyWord(before[1]) && ['to', 'a', 'ao', 'de', 'com', 'the'].includes(before[0]!));
      const negated = [words[i - 1], words[i - 2], words[i - 3]].some((word) => word !== undefined && negations.has(word));
      if ((isAllergyWord(after) || linked) && !negated) {
        found.set(term.drugClass.code, { substance: termWords.join(' ') });
        break;
      }
    }
  }
  return [...found.values()];
}

const strength: Record<AllergyMatch, number> = { same: 3, class: 2, crossReaction: 1 };

/**
 * What prescribing `medicine` risks for a patient with these allergies: one warning per allergy the
 * medicine matches, by the same medicine, by its class, or by a class that cross-reacts with it
 * (penicillins and cephalosporins). A free-text allergy the data file does not know matches a
 * medicine that names it word for word. Allergies the history states count too, unless a recorded
 * one already covers their class.
 */
export function allergyWarnings(medicine: string, allergies: KnownAllergy[], medicalHistory: string | null | undefined): AllergyWarning[] {
  const inMedicine = recogniseDrugs(medicine);
  const recorded = allergies.map((allergy) => ({ allergy, source: 'allergies' as const, classes: recogniseDrugs(allergy.substance) }));
  const covered = new Set(recorded.flatMap((r) => r.classes.map((c) => c.drugClass.code)));
  const fromHistory = allergiesInHistory(medicalHistory)
    .map((allergy) => ({ allergy, source: 'medicalHistory' as const, classes: recogniseDrugs(allergy.substance) }))
    .filter((h) => !h.classes.some((c) => covered.has(c.drugClass.code)));

  const warnings: AllergyWarning[] = [];
  for (const { allergy, source, classes } of [...recorded, ...fromHistory]) {
    const candidates: { match: AllergyMatch; drugClass: DrugClass | null; note: string }[] = [];
    for (const given of inMedicine) {
      for (const known of classes) {
        if (known.drugClass.code === given.drugClass.code) {
          const same = known.drug !== null && known.drug === given.drug;
          candidates.push({ match: same ? 'same' : 'class', drugClass: given.drugClass, note: same ? `is ${given.drug}` : `belongs to the same class: ${given.drugClass.name}` });
        }
        const cross = given.drugClass.crossReactions?.find((c) => c.code === known.drugClass.code);
        if (cross) candidates.push({ match: 'crossReaction', drugClass: given.drugClass, note: `belongs to ${given.drugClass.name}: ${cross.note}` });
      }
    }
    const typed = normaliseDrugText(allergy.substance);
    if (classes.length === 0 && typed.length >= 3 && containsWords(normaliseDrugText(medicine), typed)) {
      candidates.push({ match: 'same', drugClass: null, note: 'names that substance' });
    }
    const best = candidates.sort((a, b) => strength[b.match] - strength[a.match])[0];
    if (!best) continue;
    const { match, drugClass, note } = best;
    const label = allergyLabel(allergy.substance);
    const where = source === 'medicalHistory' ? ' (written in the medical history)' : '';
    warnings.push({
      substance: allergy.substance,
      source,
      reaction: allergy.reaction ?? null,
      severity: allergy.severity ?? null,
      medicine,
      match,
      classCode: drugClass?.code ?? null,
      className: drugClass?.name ?? null,
      message: `The patient is allergic to ${label}${where}, and ${medicine} ${note}.`,
    });
  }
  return warnings;
}

/** An allergy's substance for people: a class code by its name, anything else as written. */
export function allergyLabel(substance: string): string {
  return classByCode.get(substance)?.name ?? substance;
}
