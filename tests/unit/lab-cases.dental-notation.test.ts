import { describe, expect, it } from 'vitest';
import {
  defaultShade,
  fdiDeciduousTeeth,
  fdiPermanentTeeth,
  isShade,
  isTooth,
  shadeProblem,
  shadesBySystem,
  shadeSystems,
  teethByNotation,
  toothNotations,
  toothProblems,
  universalDeciduousTeeth,
  universalPermanentTeeth,
  vita3dMasterShades,
  vitaClassicalShades,
} from '../../workflows/dental-notation';

describe('tooth numbers', () => {
  it('has the 32 permanent and 20 deciduous teeth in each notation', () => {
    for (const notation of toothNotations) {
      expect(teethByNotation[notation].permanent, notation).toHaveLength(32);
      expect(teethByNotation[notation].deciduous, notation).toHaveLength(20);
      expect(new Set([...teethByNotation[notation].permanent, ...teethByNotation[notation].deciduous]).size).toBe(52);
    }
  });

  it('writes FDI as quadrant then tooth: 1-8 in quadrants 1-4, 1-5 in quadrants 5-8', () => {
    for (let quadrant = 1; quadrant <= 8; quadrant++) {
      for (let tooth = 0; tooth <= 9; tooth++) {
        const fdi = `${quadrant}${tooth}`;
        const exists = tooth >= 1 && tooth <= (quadrant <= 4 ? 8 : 5);
        expect(isTooth('FDI', fdi), fdi).toBe(exists);
      }
    }
    expect(fdiPermanentTeeth.slice(0, 8)).toEqual(['11', '12', '13', '14', '15', '16', '17', '18']);
    expect(fdiDeciduousTeeth.at(-1)).toBe('85');
  });

  it('writes Universal as 1-32 and A-T', () => {
    expect(universalPermanentTeeth[0]).toBe('1');
    expect(universalPermanentTeeth.at(-1)).toBe('32');
    expect(universalDeciduousTeeth.join('')).toBe('ABCDEFGHIJKLMNOPQRST');
    for (const tooth of ['1', '16', '32', 'A', 'J', 'T']) expect(isTooth('Universal', tooth), tooth).toBe(true);
    for (const tooth of ['0', '33', '01', 'U', 'a', ' 1', '11 ', '']) expect(isTooth('Universal', tooth), JSON.stringify(tooth)).toBe(false);
  });

  it.each([
    ['FDI', ['11', '48', '51', '85'], []],
    ['FDI', ['10', '19', '49', '56', '90', '1', 'A'], [0, 1, 2, 3, 4, 5, 6]],
    ['Universal', ['1', '32', 'A', 'T'], []],
    ['Universal', ['33', 'U', '48', '0'], [0, 1, 2, 3]],
  ] as const)('in %s, flags %j at %j', (notation, teeth, bad) => {
    expect(toothProblems(notation, teeth).map((p) => p.index)).toEqual(bad);
  });

  it('names the notation and its ranges in the message, and flags a tooth listed twice', () => {
    expect(toothProblems('FDI', ['19'])).toEqual([{ index: 0, message: "'19' is not a FDI tooth number (11-48 or deciduous 51-85)" }]);
    expect(toothProblems('Universal', ['U'])[0]!.message).toContain('1-32 or deciduous A-T');
    expect(toothProblems('FDI', ['11', '21', '11'])).toEqual([{ index: 2, message: 'tooth 11 is listed twice' }]);
  });
});

describe('shades', () => {
  it('lists the 16 VITA classical and 29 VITA 3D-Master shades', () => {
    expect(vitaClassicalShades).toHaveLength(16);
    expect(vita3dMasterShades).toHaveLength(29);
    expect(shadeSystems.map((system) => shadesBySystem[system].length)).toEqual([16, 29]);
  });

  it('accepts a shade only in its own system', () => {
    expect(isShade('VITA', 'A3.5')).toBe(true);
    expect(isShade('VITA', 'D1')).toBe(false);
    expect(isShade('VITA', 'a1')).toBe(false);
    expect(isShade('VITA', '2M2')).toBe(false);
    expect(isShade('VITA 3D-Master', '2M2')).toBe(true);
    expect(isShade('VITA 3D-Master', '3R2.5')).toBe(true);
    expect(isShade('VITA 3D-Master', '1M3')).toBe(false);
    expect(isShade('VITA 3D-Master', 'A1')).toBe(false);
    expect(shadeProblem('VITA 3D-Master', 'A1')).toBe("'A1' is not a VITA 3D-Master shade");
    expect(shadeProblem('VITA', 'A1')).toBeNull();
  });

  it('defaults to A1 only for VITA classical', () => {
    expect(defaultShade).toEqual({ VITA: 'A1' });
  });
});
