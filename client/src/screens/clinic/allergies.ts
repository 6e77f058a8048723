import type { Allergy } from '../../lib/api';
import { allergyLabel } from '../../../../server/modules/prescriptions/allergy-check';
import { drugClasses } from '../../../../server/modules/prescriptions/drug-classes';

export { allergyLabel };

/** The classes the desk picks from (the data file the server checks prescriptions against), with examples to recognise them by. */
export const allergyClassChoices = drugClasses.map((drugClass) => ({
  code: drugClass.code,
  name: drugClass.name,
  examples: drugClass.members.slice(0, 4).map((member) => member.name).join(', '),
}));

export const severityLabels: Record<NonNullable<Allergy['severity']>, string> = { mild: 'Mild', moderate: 'Moderate', severe: 'Severe' };

/** An allergy being edited: every field a plain string for the inputs. */
export interface AllergyDraft {
  substance: string;
  reaction: string;
  severity: '' | NonNullable<Allergy['severity']>;
}

export function draftsOf(allergies: readonly Allergy[]): AllergyDraft[] {
  return allergies.map((a) => ({ substance: a.substance, reaction: a.reaction ?? '', severity: a.severity ?? '' }));
}

export function allergiesOf(drafts: readonly AllergyDraft[]): Allergy[] {
  return drafts.map((d) => ({ substance: d.substance, reaction: d.reaction.trim() || null, severity: d.severity || null }));
}

/** What was typed or picked, as the record keeps it: a class by its code, anything else as written. */
export function substanceOf(typed: string): string {
  const text = typed.trim().replace(/\s+/g, ' ');
  const key = text.toLowerCase();
  return allergyClassChoices.find((c) => c.name.toLowerCase() === key || c.code === key)?.code ?? text;
}

export function sameAllergies(a: readonly Allergy[], b: readonly Allergy[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
