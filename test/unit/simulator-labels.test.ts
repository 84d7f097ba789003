import { INTENT_LABELS } from 'heat-simulator';
import { describe, expect, it } from 'vitest';
import { CATEGORY_IDS } from '../../src/domain/index.js';

describe("the HEAT simulator's intent labels", () => {
  it("are the router's category ids, so the demo and the evaluations can compare answers with them", () => {
    // The simulator keeps its own labels (it imports nothing from the router); this pins that they agree.
    expect([...INTENT_LABELS].sort()).toEqual([...CATEGORY_IDS].sort());
  });
});
