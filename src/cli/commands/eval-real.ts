import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { parse } from 'csv-parse/sync';
import { classifyTicket, type CompiledPolicy } from '../../classify/index.js';
import { defaultConfigDir } from '../../config/index.js';
import {
  CATEGORY_IDS,
  SCOPE_IDS,
  type CategoryId,
  type HeatRecord,
  type ScopeId,
} from '../../domain/index.js';
import type { CliContext } from '../cli-context.js';
import { loadPolicy } from './classify.js';

/** Aggregate figures for one label group of a dataset (never ticket text: the datasets may not be redistributed). */
export interface GroupFigures {
  dataset: string;
  group: string;
  tickets: number;
  scopes: Record<ScopeId, number>;
  categories: Record<CategoryId, number>;
}

interface DatasetSpec {
  name: string;
  file: string;
  /** Column -> HEAT field. Columns are described in each folder's SOURCE.md. */
  toTicket: (row: Record<string, string>) => HeatRecord;
  group: (row: Record<string, string>) => string;
  /** Groups reported on their own (the rest are pooled); null = every group. */
  groups: string[] | null;
}

const DATASETS: DatasetSpec[] = [
  {
    // kaggle-it-service-tickets/SOURCE.md: Document (title + body, pre-processed), Topic_group (8 labels).
    name: 'kaggle-it-service-tickets',
    file: 'kaggle-it-service-tickets/tickets.csv',
    toTicket: (r) => ({ Symptom: r['Document'] ?? '' }),
    group: (r) => r['Topic_group'] ?? '?',
    groups: null,
  },
  {
    // endava-support-tickets/SOURCE.md: title, body, category (anonymised code; 5 ~ hardware, 4 ~ access/admin, 6 network, 7 badges).
    name: 'endava-support-tickets',
    file: 'endava-support-tickets/all_tickets_first5431.csv',
    toTicket: (r) => ({ Subject: r['title'] ?? '', Symptom: r['body'] ?? '' }),
    group: (r) => `category ${r['category'] ?? '?'}`,
    groups: ['category 4', 'category 5', 'category 6', 'category 7'],
  },
  {
    // automatic-ticket-assignment/SOURCE.md: "Short description", "Description", "Assignment group" (BOM in the header).
    name: 'automatic-ticket-assignment',
    file: 'automatic-ticket-assignment/input_data.csv',
    toTicket: (r) => ({ Subject: r['Short description'] ?? '', Symptom: r['Description'] ?? '' }),
    group: (r) => r['Assignment group'] ?? '?',
    groups: ['GRP_0', 'GRP_3', 'GRP_19', 'GRP_2', 'GRP_12', 'GRP_24'],
  },
];

/** ../shared/datasets relative to the project root (the folder holding config/). */
export function defaultDatasetsDir(): string {
  return resolve(defaultConfigDir(), '..', '..', 'shared', 'datasets');
}

function emptyFigures(dataset: string, group: string): GroupFigures {
  return {
    dataset,
    group,
    tickets: 0,
    scopes: Object.fromEntries(SCOPE_IDS.map((s) => [s, 0])) as Record<ScopeId, number>,
    categories: Object.fromEntries(CATEGORY_IDS.map((c) => [c, 0])) as Record<CategoryId, number>,
  };
}

/** Runs the policy over every dataset found under `dir`; returns per-group and per-dataset aggregates. */
export function evaluateRealDatasets(dir: string, policy: CompiledPolicy): GroupFigures[] {
  const out: GroupFigures[] = [];
  for (const spec of DATASETS) {
    const path = join(dir, spec.file);
    if (!existsSync(path)) continue;
    const rows = parse(readFileSync(path, 'utf8'), {
      columns: true,
      bom: true,
      skip_empty_lines: true,
      relax_quotes: true,
      relax_column_count: true,
    }) as Record<string, string>[];
    const groups = new Map<string, GroupFigures>();
    const all = emptyFigures(spec.name, 'all');
    for (const row of rows) {
      const raw = spec.group(row);
      const group = spec.groups === null || spec.groups.includes(raw) ? raw : 'other groups';
      const figures = groups.get(group) ?? emptyFigures(spec.name, group);
      groups.set(group, figures);
      const d = classifyTicket(spec.toTicket(row), policy);
      for (const f of [figures, all]) {
        f.tickets++;
        f.scopes[d.scope]++;
        f.categories[d.category]++;
      }
    }
    out.push(...[...groups.values()].sort((a, b) => b.tickets - a.tickets), all);
  }
  return out;
}

const pct = (n: number, d: number): string => (d === 0 ? 'n/a' : `${((100 * n) / d).toFixed(1)}%`);
/** Out of scope and restricted are held to 2% and 0.1%: two decimals and the count, so 0.12% does not read as 0.1% nor 1.98% as 2.0%. */
const fine = (n: number, d: number): string => (d === 0 ? 'n/a' : `${((100 * n) / d).toFixed(2)}% (${n})`);

export function formatRealFigures(figures: readonly GroupFigures[]): string {
  const lines = [
    'dataset / group                                    tickets  in scope  out of scope     restricted  needs review  top out-of-scope categories',
  ];
  for (const f of figures) {
    const oos = CATEGORY_IDS.filter(
      (c) => c !== 'hardware' && c !== 'software_access' && c !== 'unclassified' && f.categories[c] > 0,
    )
      .sort((a, b) => f.categories[b] - f.categories[a])
      .slice(0, 3)
      .map((c) => `${c} ${pct(f.categories[c], f.tickets)}`)
      .join(', ');
    lines.push(
      `${`${f.dataset} / ${f.group}`.padEnd(49)}  ${String(f.tickets).padStart(7)}  ${pct(f.scopes.in_scope, f.tickets).padStart(8)}  ${fine(f.scopes.out_of_scope, f.tickets).padStart(12)}  ${fine(f.scopes.restricted, f.tickets).padStart(13)}  ${pct(f.scopes.needs_review, f.tickets).padStart(12)}  ${oos}`,
    );
  }
  return lines.join('\n');
}

export function registerEvalRealCommand(program: Command, ctx: CliContext): void {
  program
    .command('eval-real')
    .description(
      'run the policy over the real help-desk datasets (aggregate figures only; the data is evaluation-only)',
    )
    .option('--datasets <dir>', 'datasets folder (default: ../shared/datasets from the project root)')
    .option('--config <dir>', 'config folder')
    .option('--json', 'print the figures as JSON')
    .action((opts: { datasets?: string; config?: string; json?: boolean }) => {
      const dir = resolve(opts.datasets ?? defaultDatasetsDir());
      if (!existsSync(dir)) {
        ctx.stdout.write(`eval-real: no datasets folder at ${dir}; skipping (pass --datasets DIR)\n`);
        return;
      }
      const policy = loadPolicy(ctx, opts.config);
      if (!policy) return;
      const figures = evaluateRealDatasets(dir, policy);
      if (figures.length === 0) {
        ctx.stdout.write(`eval-real: no known dataset files under ${dir}; skipping\n`);
        return;
      }
      ctx.stdout.write(opts.json ? `${JSON.stringify(figures)}\n` : `${formatRealFigures(figures)}\n`);
    });
}
