import { availableParallelism as availableCores } from 'node:os';

/** One row of the README's figures table. */
export interface FigureRow {
  what: string;
  figure: string;
}

/** The figures as a markdown table (pipes in a cell escaped), with the date and machine it ran on. */
export function formatMarkdownTable(rows: readonly FigureRow[], now = new Date()): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const lines = [
    `Measured by \`npm run bench -- --markdown\` on ${now.toISOString().slice(0, 10)}, Node ${process.versions.node}, ${availableCores()} cores.`,
    '',
    '| what | figure |',
    '| --- | --- |',
    ...rows.map((r) => `| ${cell(r.what)} | ${cell(r.figure)} |`),
  ];
  return lines.join('\n');
}
