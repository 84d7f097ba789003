import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMetrics, WEBHOOK_OUTCOMES } from '../../src/observability/index.js';

const NAMED_SERIES = [
  'sbt_tickets_classified_total',
  'sbt_ticket_moves_total',
  'sbt_overrides_total',
  'sbt_heat_calls_total',
  'sbt_heat_call_duration_seconds',
  'sbt_heat_budget_used_ratio',
  'sbt_queue_jobs',
  'sbt_queue_oldest_waiting_job_age_seconds',
  'sbt_poll_lag_seconds',
  'sbt_webhook_requests_total',
  'sbt_jobs_total',
  'sbt_job_duration_seconds',
  'process_cpu_user_seconds_total',
];

afterEach(() => {
  vi.useRealTimers();
});

describe('createMetrics', () => {
  it('exposes every named metric with the values recorded', async () => {
    const m = createMetrics();
    m.ticketsClassified.inc({ category: 'telephone', scope: 'out_of_scope' });
    m.ticketsClassified.inc({ category: 'telephone', scope: 'out_of_scope' });
    m.ticketMoves.inc({ destination: 'Telecommunications' });
    m.overrides.inc({ category: 'hardware' });
    m.heatCalls.inc({ method: 'GET', status: '200' });
    m.heatCallSeconds.observe({ method: 'GET' }, 0.2);
    m.heatBudgetUsedRatio.set(0.25);
    m.queueDepth.set({ state: 'waiting' }, 3);
    m.oldestWaitingJobAgeSeconds.set(12);
    m.pollLagSeconds.set(45);
    m.webhookRequests.inc({ outcome: 'accepted' });
    m.jobs.inc({ outcome: 'completed' });
    m.jobSeconds.observe(0.7);

    const text = await m.render();
    for (const name of NAMED_SERIES) expect(text, name).toContain(`# TYPE ${name} `);
    expect(text).toContain('sbt_tickets_classified_total{category="telephone",scope="out_of_scope"} 2');
    expect(text).toContain('sbt_ticket_moves_total{destination="Telecommunications"} 1');
    expect(text).toContain('sbt_heat_call_duration_seconds_bucket{le="0.25",method="GET"} 1');
    expect(text).toContain('sbt_heat_budget_used_ratio 0.25');
    expect(text).toContain('sbt_queue_jobs{state="waiting"} 3');
    expect(text).toContain('sbt_poll_lag_seconds 45');
    expect(text).toContain('sbt_webhook_requests_total{outcome="accepted"} 1');
    expect(m.contentType).toMatch(/^text\/plain/);
  });

  it('starts every webhook outcome at zero so that alerts see the series before the first request', async () => {
    const text = await createMetrics().render();
    for (const outcome of WEBHOOK_OUTCOMES)
      expect(text).toContain(`sbt_webhook_requests_total{outcome="${outcome}"} 0`);
  });

  it('gives each instance its own registry', async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.pollLagSeconds.set(99);
    expect(await a.render()).toContain('sbt_poll_lag_seconds 99');
    expect(await b.render()).toContain('sbt_poll_lag_seconds 0');
  });

  it('runs scrape collectors before rendering, and a throwing one costs only its own series', async () => {
    const m = createMetrics();
    let depth = 0;
    m.onScrape(() => {
      depth += 5;
      m.queueDepth.set({ state: 'waiting' }, depth);
    });
    m.onScrape(async () => {
      throw new Error('Redis unreachable');
    });
    expect(await m.render()).toContain('sbt_queue_jobs{state="waiting"} 5');
    const second = await m.render();
    expect(second).toContain('sbt_queue_jobs{state="waiting"} 10');
    expect(second).toContain('sbt_metrics_collector_errors_total 2');
  });

  it('gives up on a collector that hangs, instead of hanging the scrape', async () => {
    vi.useFakeTimers();
    const m = createMetrics();
    m.onScrape(() => new Promise<void>(() => {}));
    const rendering = m.render();
    await vi.advanceTimersByTimeAsync(2_100);
    const text = await rendering;
    expect(text).toContain('sbt_metrics_collector_errors_total 1');
  });
});
