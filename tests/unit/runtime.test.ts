import { describe, expect, it } from 'vitest';

describe('runtime', () => {
  // npm scripts put node_modules/.bin first on the PATH, where the `node` dev dependency installs Node 24:
  // a test run on the machine's own Node (20 here, past its end of life) would not be testing what ships.
  it('runs on Node 24, the runtime the project brings', () => {
    expect(process.version).toMatch(/^v24\./);
  });
});
