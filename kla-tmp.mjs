import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
const url = process.argv[2];
const conn = new Redis(url, { maxRetriesPerRequest: null });
const q = new Queue('kla', { connection: conn, prefix: '{kla' + Date.now() + '}' });
let runs = 0;
const w = new Worker('kla', async (job) => {
  runs++;
  console.log('run', runs, job.id, job.data);
  if (runs === 1) {
    const j = await q.add('t', { n: 2 }, { deduplication: { id: 'X', keepLastIfActive: true } });
    console.log('added inside', j.id);
  }
}, { connection: conn.duplicate(), prefix: q.opts.prefix });
const j1 = await q.add('t', { n: 1 }, { deduplication: { id: 'X', keepLastIfActive: true } });
console.log('added', j1.id);
await new Promise((r) => setTimeout(r, 2000));
console.log('runs', runs, await q.getJobCounts());
await w.close(); await q.close(); conn.disconnect();
