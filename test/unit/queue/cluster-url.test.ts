import { describe, expect, it } from 'vitest';
import { clusterNodesFromUrl } from '../../../src/queue/index.js';
import { envSchema } from '../../../src/config/index.js';

describe('REDIS_URL for a Redis Cluster', () => {
  it('lists the entry nodes, default port 6379, with credentials when given', () => {
    expect(clusterNodesFromUrl('redis+cluster://10.0.0.1:7000,10.0.0.2,redis-c:7002')).toEqual({
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 6379 },
        { host: 'redis-c', port: 7002 },
      ],
    });
    expect(clusterNodesFromUrl('redis+cluster://sbt:p%40ss@10.0.0.1:7000/')).toEqual({
      nodes: [{ host: '10.0.0.1', port: 7000 }],
      username: 'sbt',
      password: 'p@ss',
    });
  });

  it('is not a cluster URL for redis://, rediss:// or Sentinel', () => {
    expect(clusterNodesFromUrl('redis://10.0.0.1:6379')).toBeNull();
    expect(clusterNodesFromUrl('rediss://10.0.0.1:6380')).toBeNull();
    expect(clusterNodesFromUrl('redis+sentinel://s1:26379/mymaster')).toBeNull();
  });

  it('names the part that is not host:port', () => {
    expect(() => clusterNodesFromUrl('redis+cluster://10.0.0.1:70a0')).toThrow(
      "REDIS_URL: '10.0.0.1:70a0' is not host:port (write redis+cluster://host1:6379,host2:6379)",
    );
  });

  it('is accepted by the environment check', () => {
    expect(envSchema.parse({ REDIS_URL: 'redis+cluster://a:7000,b:7001' }).REDIS_URL).toBe(
      'redis+cluster://a:7000,b:7001',
    );
  });
});
