/** Serialises a model file with one feature per line, so that a diff of two models is readable. */
export function modelFileText(
  model: Record<string, unknown> & { weights: Record<string, number[]> },
): string {
  const { weights, ...head } = model;
  const lines = Object.entries(weights).map(([f, w]) => `    ${JSON.stringify(f)}: ${JSON.stringify(w)}`);
  const headText = JSON.stringify(head, null, 2).replace(/\n}$/, '');
  return `${headText},\n  "weights": {\n${lines.join(',\n')}\n  }\n}\n`;
}
