import type { HeatClient } from '../../src/heat/index.js';

/** A HEAT client for code that must not reach HEAT (counts read from Redis only): any call throws. */
export const noHeat = new Proxy({} as HeatClient, {
  get: (_t, name) => () => {
    throw new Error(`HEAT was called (${String(name)}) by a Redis-only operation`);
  },
});
