import { z } from 'zod';

/**
 * Names that the service writes into HEAT OData requests ($filter, $select, $orderby and URL paths):
 * entity sets and field names. Only plain identifiers: a space, quote or operator would change the
 * query (`Name eq 'x' or 1 eq 1`) or the path, so such values are refused at load.
 */
export const ODATA_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A string schema for an OData identifier; the error names what it is and how to write it. */
export function odataName(kind: 'field' | 'entity set', example: string): z.ZodString {
  return z.string().refine((v) => ODATA_IDENTIFIER.test(v), {
    message: `not a HEAT ${kind} name (only letters, digits and "_", starting with a letter or "_"), and it is put into HEAT OData queries`,
    params: {
      fix: `write the ${kind}'s name only, such as ${example} (no spaces, quotes, dots, slashes or operators)`,
    },
  });
}
