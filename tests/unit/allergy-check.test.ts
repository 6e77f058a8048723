import { describe, expect, it } from 'vitest';
import { allergiesInHistory, allergyLabel, allergyWarnings, normaliseDrugText, recogniseDrugs } from '../../server/modules/prescriptions/allergy-check';
import { drugClasses } from '../../server/modules/prescriptions/drug-classes';

const everyName = drugClasses.flatMap((drugClass) => [
  ...[drugClass.code, drugClass.name, ...drugClass.aliases].map((name) => ({ name, drugClass, drug: null as string | null })),
  ...drugClass.members.flatMap((member) => [member.name, ...member.synonyms].map((name) => ({ name, drugClass, drug: member.name }))),
]);

describe('the drug class data file', () => {
  it('holds the classes a dental clinic needs, with the medicines named in the brief', () => {
    expect(drugClasses.map((c) => c.code)).toEqual(['penicillins', 'cephalosporins', 'nsaids', 'sulfonamides', 'amide-local-anaesthetics', 'ester-local-anaesthetics', 'latex', 'chlorhexidine']);
    const members = (code: string) => drugClasses.find((c) => c.code === code)!.members.map((m) => m.name);
    expect(members('penicillins')).toEqual(expect.arrayContaining(['amoxicillin', 'ampicillin', 'penicillin V', 'amoxicillin-clavulanate']));
    expect(members('cephalosporins')).toEqual(expect.arrayContaining(['cefalexin', 'cefadroxil']));
    expect(members('nsaids')).toEqual(expect.arrayContaining(['ibuprofen', 'diclofenac', 'naproxen', 'ketorolac', 'aspirin', 'nimesulide']));
    expect(members('sulfonamides')).toContain('sulfamethoxazole');
    expect(members('amide-local-anaesthetics')).toEqual(['lidocaine', 'articaine', 'mepivacaine', 'prilocaine', 'bupivacaine']);
    expect(members('ester-local-anaesthetics')).toEqual(expect.arrayContaining(['benzocaine', 'tetracaine']));
  });

  it('gives every name one class only', () => {
    const owners = new Map<string, Set<string>>();
    for (const { name, drugClass } of everyName) owners.set(normaliseDrugText(name), (owners.get(normaliseDrugText(name)) ?? new Set()).add(drugClass.code));
    expect([...owners].filter(([, codes]) => codes.size > 1)).toEqual([]);
  });

  it('names only classes it holds as cross-reacting', () => {
    const codes = new Set(drugClasses.map((c) => c.code));
    for (const drugClass of drugClasses) for (const cross of drugClass.crossReactions ?? []) expect(codes.has(cross.code), `${drugClass.code} → ${cross.code}`).toBe(true);
  });
});

describe(recogniseDrugs.name, () => {
  it.each(everyName.map(({ name, drugClass, drug }) => [name, drugClass.code, drug]))('knows %s as %s', (name, code, drug) => {
    const [found, ...more] = recogniseDrugs(`${String(name).toUpperCase()} 500 mg`);
    expect(more).toEqual([]);
    expect(found!.drugClass.code).toBe(code);
    if (drug) expect(found!.drug).toBe(drug);
  });

  it.each(['Paracetamol 750 mg', 'Dipirona 500 mg', 'Metronidazole 400 mg', 'Clindamycin 300 mg', 'Azithromycin 500 mg', 'Tramadol 50 mg', 'Saline rinse'])('knows nothing of %s', (medicine) => {
    expect(recogniseDrugs(medicine)).toEqual([]);
  });

  it('reads whole words, accents and punctuation ignored', () => {
    expect(recogniseDrugs('Amoxicilina + Clavulanato 875/125')[0]!.drug).toBe('amoxicillin-clavulanate');
    expect(recogniseDrugs('Ácido acetilsalicílico')[0]!.drug).toBe('aspirin');
    // 'mox' is an Indian amoxicillin brand, not any word containing it.
    expect(recogniseDrugs('Moxifloxacin')).toEqual([]);
    expect(recogniseDrugs('Ibuprofen + paracetamol').map((r) => r.drugClass.code)).toEqual(['nsaids']);
  });
});

describe(allergyWarnings.name, () => {
  const warn = (medicine: string, substances: string[], history: string | null = null) =>
    allergyWarnings(medicine, substances.map((substance) => ({ substance })), history).map((w) => [w.substance, w.match, w.classCode]);

  it('warns of the same medicine, its class, and a class that cross-reacts, both ways', () => {
    expect(warn('Amoxicillin 500 mg', ['amoxicillin'])).toEqual([['amoxicillin', 'same', 'penicillins']]);
    expect(warn('Amoxicillin 500 mg', ['penicillins'])).toEqual([['penicillins', 'class', 'penicillins']]);
    expect(warn('Augmentin 625', ['Penicillin'])).toEqual([['Penicillin', 'class', 'penicillins']]);
    expect(warn('Cefalexin 500 mg', ['penicillins'])).toEqual([['penicillins', 'crossReaction', 'cephalosporins']]);
    expect(warn('Amoxil', ['cephalosporins'])).toEqual([['cephalosporins', 'crossReaction', 'penicillins']]);
    expect(warn('Voveran 50', ['aspirin'])).toEqual([['aspirin', 'class', 'nsaids']]);
    expect(warn('Articaine 4% with epinephrine', ['lidocaine'])).toEqual([['lidocaine', 'class', 'amide-local-anaesthetics']]);
    expect(warn('Bactrim F', ['sulfa'])).toEqual([['sulfa', 'class', 'sulfonamides']]);
  });

  it('keeps amide and ester anaesthetics apart, and paracetamol out of the NSAIDs', () => {
    expect(warn('Benzocaine gel 20%', ['amide-local-anaesthetics'])).toEqual([]);
    expect(warn('Paracetamol 750 mg', ['nsaids', 'penicillins'])).toEqual([]);
  });

  it('matches a free-text allergy the data file does not know only word for word', () => {
    expect(warn('Tramadol 50 mg', ['tramadol'])).toEqual([['tramadol', 'same', null]]);
    expect(warn('Metronidazole 400 mg', ['tramadol'])).toEqual([]);
  });

  it('says who, what and which class in its message', () => {
    const [warning] = allergyWarnings('Cefadroxil 500 mg', [{ substance: 'penicillins', severity: 'severe', reaction: 'Anaphylaxis' }], null);
    expect(warning).toMatchObject({ severity: 'severe', reaction: 'Anaphylaxis', className: 'Cephalosporins', source: 'allergies' });
    expect(warning!.message).toBe(
      'The patient is allergic to Penicillins, and Cefadroxil 500 mg belongs to Cephalosporins: cephalosporins and penicillins share the beta-lactam ring, and some people allergic to one react to the other.',
    );
    expect(allergyLabel('nsaids')).toBe('NSAIDs (anti-inflammatory painkillers)');
    expect(allergyLabel('Latex gloves')).toBe('Latex gloves');
  });

  it('counts what the medical history states in so many words, once per class', () => {
    expect(warn('Amoxicillin', [], 'Hypertension; penicillin allergy (rash)')).toEqual([['penicillin', 'class', 'penicillins']]);
    expect(warn('Amoxicillin', [], 'Allergic to amoxicillin since childhood')).toEqual([['amoxicillin', 'same', 'penicillins']]);
    expect(warn('Amoxicillin', [], 'Alérgica a penicilina')).toEqual([['penicilina', 'class', 'penicillins']]);
    expect(warn('Amoxicillin', ['penicillins'], 'Penicillin allergy')).toEqual([['penicillins', 'class', 'penicillins']]);
  });

  it('does not read a negation, a tolerance or a mere mention as an allergy', () => {
    expect(allergiesInHistory('No penicillin allergy')).toEqual([]);
    expect(allergiesInHistory('Penicillin-tolerant; mild asthma')).toEqual([]);
    expect(allergiesInHistory('Pacemaker; on aspirin')).toEqual([]);
    expect(allergiesInHistory(null)).toEqual([]);
  });
});
