/**
 * Tooth numbers and shades as a lab writes them on a case. Pure and import-free, so the server's
 * validation and the client's tooth chart and shade pickers offer exactly the same lists.
 */

/** How a lab writes tooth numbers (an org setting). */
export const toothNotations = ['FDI', 'Universal'] as const;
export type ToothNotation = (typeof toothNotations)[number];

const range = (from: number, to: number): string[] => Array.from({ length: to - from + 1 }, (_, i) => String(from + i));

/**
 * FDI (ISO 3950): quadrant digit then tooth digit. Permanent quadrants 1-4 have teeth 1-8,
 * deciduous quadrants 5-8 have teeth 1-5. Listed quadrant by quadrant, as a chart draws them.
 */
export const fdiPermanentTeeth: readonly string[] = [...range(11, 18), ...range(21, 28), ...range(31, 38), ...range(41, 48)];
export const fdiDeciduousTeeth: readonly string[] = [...range(51, 55), ...range(61, 65), ...range(71, 75), ...range(81, 85)];

/** Universal (ADA): permanent teeth 1-32 from the upper right third molar, deciduous teeth A-T. */
export const universalPermanentTeeth: readonly string[] = range(1, 32);
export const universalDeciduousTeeth: readonly string[] = 'ABCDEFGHIJKLMNOPQRST'.split('');

export const teethByNotation: Record<ToothNotation, { permanent: readonly string[]; deciduous: readonly string[] }> = {
  FDI: { permanent: fdiPermanentTeeth, deciduous: fdiDeciduousTeeth },
  Universal: { permanent: universalPermanentTeeth, deciduous: universalDeciduousTeeth },
};

const toothSets: Record<ToothNotation, ReadonlySet<string>> = {
  FDI: new Set([...fdiPermanentTeeth, ...fdiDeciduousTeeth]),
  Universal: new Set([...universalPermanentTeeth, ...universalDeciduousTeeth]),
};

export function isTooth(notation: ToothNotation, tooth: string): boolean {
  return toothSets[notation].has(tooth);
}

/** Shade guides a case can name; VITA classical is the default of the seed. */
export const shadeSystems = ['VITA', 'VITA 3D-Master'] as const;
export type ShadeSystem = (typeof shadeSystems)[number];

/** VITA classical, in the guide's order (hue groups A-D, then lightness). */
export const vitaClassicalShades: readonly string[] = [
  'A1', 'A2', 'A3', 'A3.5', 'A4',
  'B1', 'B2', 'B3', 'B4',
  'C1', 'C2', 'C3', 'C4',
  'D2', 'D3', 'D4',
];

/** VITA Toothguide 3D-Master: lightness group 0-5, hue L/M/R, chroma. */
export const vita3dMasterShades: readonly string[] = [
  '0M1', '0M2', '0M3',
  '1M1', '1M2',
  '2L1.5', '2L2.5', '2M1', '2M2', '2M3', '2R1.5', '2R2.5',
  '3L1.5', '3L2.5', '3M1', '3M2', '3M3', '3R1.5', '3R2.5',
  '4L1.5', '4L2.5', '4M1', '4M2', '4M3', '4R1.5', '4R2.5',
  '5M1', '5M2', '5M3',
];

export const shadesBySystem: Record<ShadeSystem, readonly string[]> = {
  VITA: vitaClassicalShades,
  'VITA 3D-Master': vita3dMasterShades,
};

/** The shade a new case gets when none is given; only VITA classical has one (the seed's A1). */
export const defaultShade: Partial<Record<ShadeSystem, string>> = { VITA: 'A1' };

export function isShade(system: ShadeSystem, shade: string): boolean {
  return shadesBySystem[system].includes(shade);
}

export interface NotationProblem {
  /** Index into the list that was checked, or null for a problem with the list as a whole. */
  index: number | null;
  message: string;
}

/** Every problem with a case's tooth list: teeth the notation does not have, and teeth named twice. */
export function toothProblems(notation: ToothNotation, teeth: readonly string[]): NotationProblem[] {
  const problems: NotationProblem[] = [];
  const seen = new Set<string>();
  teeth.forEach((tooth, index) => {
    if (!isTooth(notation, tooth)) {
      const hint = notation === 'FDI' ? '11-48 or deciduous 51-85' : '1-32 or deciduous A-T';
      problems.push({ index, message: `'${tooth}' is not a ${notation} tooth number (${hint})` });
    } else if (seen.has(tooth)) {
      problems.push({ index, message: `tooth ${tooth} is listed twice` });
    }
    seen.add(tooth);
  });
  return problems;
}

/** Why `shade` cannot be used with `system`, or null when it can. */
export function shadeProblem(system: ShadeSystem, shade: string): string | null {
  return isShade(system, shade) ? null : `'${shade}' is not a ${system} shade`;
}
