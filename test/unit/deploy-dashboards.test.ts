import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/observability/index.js';

/*
 * deploy/grafana/sbt-router-dashboard.json and deploy/prometheus/sbt-router-alerts.yaml may only name
 * metrics the service registers (so a renamed metric cannot leave a silent panel or a dead alert), and
 * every alert rule has what an on-call person needs. Where promtool is not installed this is the check.
 */

const DASHBOARD = 'deploy/grafana/sbt-router-dashboard.json';
const ALERTS = 'deploy/prometheus/sbt-router-alerts.yaml';

/** Series Prometheus itself makes (not the service): `up` is the scrape's own health. */
const PROMETHEUS_SERIES = new Set(['up']);

const PROMQL_WORDS = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'inf',
  'nan',
]);

/**
 * Metric names a PromQL expression reads: identifiers that are not functions, aggregation words,
 * label names (inside {...} or by/without/on lists), strings, durations or Grafana variables.
 */
function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // label values and other strings
    .replace(/\$\{?\w+\}?/g, ' ') // Grafana variables ($job, ${datasource}, $__rate_interval)
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // range selectors
    .replace(/\b\d+(?:\.\d+)?(?:e[+-]?\d+)?\b/gi, ' ') // numbers (1e-9, 0.95)
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const word = m[0];
    const rest = stripped.slice((m.index ?? 0) + word.length);
    if (/^\s*\(/.test(rest)) continue; // a function call: rate(, sum(, histogram_quantile(
    if (PROMQL_WORDS.has(word.toLowerCase())) continue;
    if (/^\d/.test(word)) continue;
    names.add(word);
  }
  return [...names];
}

/** The registered name a series name belongs to (histograms expose _bucket, _sum and _count). */
function registeredName(series: string, registered: ReadonlyMap<string, string>): string | null {
  if (registered.has(series)) return series;
  const m = /^(.*)_(bucket|sum|count)$/.exec(series);
  if (m && ['histogram', 'summary'].includes(registered.get(m[1] ?? '') ?? '')) return m[1] ?? null;
  return null;
}

function registeredMetrics(): Map<string, string> {
  const metrics = createMetrics();
  return new Map(metrics.registry.getMetricsAsArray().map((m) => [m.name, String(m.type)]));
}

interface Panel {
  title?: string;
  type?: string;
  datasource?: { type?: string; uid?: string };
  targets?: Array<{ expr?: string; datasource?: { uid?: string } }>;
  panels?: Panel[];
}

interface Dashboard {
  title: string;
  uid: string;
  panels: Panel[];
  templating: { list: Array<{ name: string; type: string; query?: unknown; definition?: string }> };
}

function dashboardExprs(d: Dashboard): Array<{ where: string; expr: string }> {
  const out: Array<{ where: string; expr: string }> = [];
  const walk = (panels: Panel[]) => {
    for (const p of panels) {
      for (const t of p.targets ?? []) if (t.expr) out.push({ where: `panel "${p.title}"`, expr: t.expr });
      walk(p.panels ?? []);
    }
  };
  walk(d.panels);
  for (const v of d.templating.list) {
    if (v.type === 'query' && v.definition) {
      // label_values(metric{...}, label): the metric is the first argument.
      const inner = /^label_values\((.*),\s*\w+\)$/.exec(v.definition)?.[1] ?? v.definition;
      out.push({ where: `variable $${v.name}`, expr: inner });
    }
  }
  return out;
}

interface AlertRule {
  alert?: string;
  expr?: unknown;
  for?: unknown;
  labels?: { severity?: unknown };
  annotations?: { summary?: unknown; description?: unknown };
}

function alertRules(): AlertRule[] {
  const doc = parse(readFileSync(ALERTS, 'utf8')) as { groups: Array<{ name: string; rules: AlertRule[] }> };
  return doc.groups.flatMap((g) => g.rules);
}

describe('deploy/: the Grafana dashboard and the Prometheus alert rules', () => {
  const registered = registeredMetrics();

  it('the metric-name reader finds names and ignores functions, labels, strings and variables', () => {
    expect(
      metricNamesIn(
        'sum by (outcome) (rate(sbt_jobs_total{job=~"$job", outcome="failed"}[$__rate_interval])) / clamp_min(sum(rate(other_total[5m])), 1e-9) > 0.2 and on(job) up == 1',
      ).sort(),
    ).toEqual(['other_total', 'sbt_jobs_total', 'up']);
    expect(metricNamesIn('time() - max(sbt_poll_last_success_timestamp_seconds)')).toEqual([
      'sbt_poll_last_success_timestamp_seconds',
    ]);
  });

  it('the dashboard is importable: a Prometheus data source variable every panel and query uses', () => {
    const d = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
    expect(d.uid).toBe('heat-sbt-router');
    const ds = d.templating.list.find((v) => v.type === 'datasource');
    expect(ds?.name).toBe('datasource');
    expect(ds?.query).toBe('prometheus');
    const panels = d.panels.filter((p) => p.type !== 'row');
    expect(panels.length).toBe(21);
    for (const p of panels) {
      expect(p.datasource?.uid, `panel "${p.title}"`).toBe('${datasource}');
      expect(p.targets?.length ?? 0, `panel "${p.title}" has no query`).toBeGreaterThan(0);
      for (const t of p.targets ?? []) expect(t.datasource?.uid, `panel "${p.title}"`).toBe('${datasource}');
    }
  });

  it('every metric the dashboard reads is one the service registers', () => {
    const d = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
    const unknown: string[] = [];
    const used = new Set<string>();
    for (const { where, expr } of dashboardExprs(d)) {
      for (const name of metricNamesIn(expr)) {
        if (PROMETHEUS_SERIES.has(name)) continue;
        const base = registeredName(name, registered);
        if (base) used.add(base);
        else unknown.push(`${where}: ${name}`);
      }
    }
    expect(unknown).toEqual([]);
    for (const name of [
      'sbt_poll_lag_seconds',
      'sbt_poll_last_success_timestamp_seconds',
      'sbt_heat_calls_total',
      'sbt_heat_budget_used_ratio',
      'sbt_parked_tickets',
      'sbt_jobs_total',
      'sbt_queue_jobs',
    ]) {
      expect(used.has(name), `the dashboard shows ${name}`).toBe(true);
    }
  });

  it('every alert rule has expr, for, labels.severity and a summary and description, and reads only registered metrics', () => {
    const rules = alertRules();
    expect(rules.length).toBe(12);
    const unknown: string[] = [];
    const names = new Set<string>();
    for (const r of rules) {
      const id = r.alert ?? '(no alert name)';
      expect(typeof r.alert, 'alert name').toBe('string');
      expect(names.has(id), `${id} is defined twice`).toBe(false);
      names.add(id);
      expect(typeof r.expr, `${id}.expr`).toBe('string');
      expect(String(r.for ?? ''), `${id}.for`).toMatch(/^\d+[smh]$/);
      expect(['critical', 'warning', 'info'], `${id}.labels.severity`).toContain(r.labels?.severity);
      expect(typeof r.annotations?.summary, `${id}.annotations.summary`).toBe('string');
      expect(typeof r.annotations?.description, `${id}.annotations.description`).toBe('string');
      for (const name of metricNamesIn(String(r.expr))) {
        if (!PROMETHEUS_SERIES.has(name) && !registeredName(name, registered)) unknown.push(`${id}: ${name}`);
      }
    }
    expect(unknown).toEqual([]);
    for (const alert of [
      'SbtRouterDown',
      'SbtRouterPollStale',
      'SbtRouterHeatBudgetHigh',
      'SbtRouterParkedTickets',
      'SbtRouterJobFailures',
      'SbtRouterJobFailureRateHigh',
    ]) {
      expect(names.has(alert), alert).toBe(true);
    }
  });

  it('a metric the service does not register is caught', () => {
    expect(registeredName('sbt_jobs_totl', registered)).toBeNull();
    expect(registeredName('sbt_job_duration_seconds_bucket', registered)).toBe('sbt_job_duration_seconds');
    expect(registeredName('sbt_jobs_total_bucket', registered)).toBeNull();
  });
});
