/** A business-object record as the simulated HEAT REST API stores and returns it: field name -> value. */
export type HeatRecord = Record<string, unknown>;
