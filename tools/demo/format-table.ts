/** Longest header line; a longer header wraps onto further lines above (words kept whole). */
const HEADER_WRAP = 12;

function wrap(text: string): string[] {
  const lines: string[] = [];
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const last = lines.length - 1;
    if (last >= 0 && `${lines[last]} ${word}`.length <= HEADER_WRAP) lines[last] = `${lines[last]} ${word}`;
    else lines.push(word);
  }
  return lines.length ? lines : [''];
}

/**
 * A plain-text table with padded columns (first column left-aligned, the rest right-aligned); long
 * headers (display names) wrap, each ending on the line above the rule.
 */
export function formatTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const heads = header.map((h, i) => (i === 0 ? [h] : wrap(h)));
  const widths = heads.map((h, i) =>
    Math.max(...h.map((l) => l.length), ...rows.map((r) => (r[i] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const depth = Math.max(...heads.map((h) => h.length));
  const headerLines = Array.from({ length: depth }, (_, n) =>
    line(heads.map((h) => h[n - (depth - h.length)] ?? '')),
  );
  return [...headerLines, widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)]
    .map((l) => `  ${l}`)
    .join('\n');
}
