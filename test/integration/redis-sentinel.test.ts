import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, startThrowawayRedis, type ThrowawayRedis } from '../../tools/devtools/index.js';
import { createRedisConnection, redisOptionsFromUrl } from '../../src/queue/index.js';
import { startPipeline, type PipelineFixture } from '../support/pipeline-fixture.js';
import { waitFor } from '../support/cli-process.js';

describe('REDIS_URL with redis+sentinel://', () => {
  it("parses hosts, master name, password, db and the Sentinels' password", () => {
    expect(redisOptionsFromUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(
      redisOptionsFromUrl(
        'redis+sentinel://:s3cret@10.0.0.1:26379,10.0.0.2:26380/sbt-master/2?sentinelPassword=x%21',
      ),
    ).toEqual({
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: '10.0.0.2', port: 26380 },
      ],
      name: 'sbt-master',
      password: 's3cret',
      db: 2,
      sentinelPassword: 'x!',
    });
  });

  let redis: ThrowawayRedis | undefined;
  let sentinel: ChildProcess | undefined;
  let fx: PipelineFixture | undefined;
  afterEach(async () => {
    await fx?.close();
    sentinel?.kill('SIGKILL');
    await redis?.stop();
  });

  it('finds the master through a real Sentinel, and the service runs on it', async () => {
    redis = await startThrowawayRedis();
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'sbt-sentinel-'));
    const conf = join(dir, 'sentinel.conf');
    // Sentinel rewrites its config file, so it gets one of its own.
    writeFileSync(
      conf,
      `port ${port}\nbind 127.0.0.1\ndir ${dir}\nsentinel monitor sbt 127.0.0.1 ${redis.port} 1\n`,
    );
    sentinel = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
    const url = `redis+sentinel://127.0.0.1:${port}/sbt`;
    const probe = createRedisConnection(url, 'command');
    probe.on('error', () => undefined); // until the Sentinel is up
    expect(await waitFor(async () => (await probe.ping().catch(() => '')) === 'PONG', 10_000, 200)).toBe(
      true,
    );
    probe.disconnect();

    fx = await startPipeline(url, { sim: { seed: 121, tickets: 20 } });
    await fx.service.pollNow();
    expect(await fx.service.waitForIdle(20_000)).toBe(true);
    const hash = fx.config.routing.fields.decisionHash;
    expect(
      fx.sim
        .list('incidents')
        .filter((t) => !t[hash])
        .map((t) => t.RecId),
    ).toEqual([]);
  }, 60_000);
});
