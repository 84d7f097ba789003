import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileShare {
  name: string;
  ms: number;
  share: number;
}

/** Where a file's code comes from: a package under node_modules, our src/ module, or node itself. */
export function areaOf(url: string, functionName = ''): string {
  if (url === '') return /^\(.*\)$/.test(functionName) ? functionName : '(native / V8)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const src = /\/(src|tools)\/([^/]+)\//.exec(url);
  if (src) return `${src[1]}/${src[2]}`;
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  return url.split('/').slice(-2).join('/');
}

/** Self time of a V8 .cpuprofile by area (package or src module) and by function, largest first. */
export function summariseCpuProfile(
  profile: CpuProfile,
  top = 25,
): { byArea: ProfileShare[]; byFunction: ProfileShare[]; totalMs: number } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const area = new Map<string, number>();
  const fn = new Map<string, number>();
  for (const [id, us] of self) {
    const f = byId.get(id)!.callFrame;
    const a = areaOf(f.url, f.functionName);
    area.set(a, (area.get(a) ?? 0) + us);
    const key =
      `${f.functionName || '(anonymous)'} ${f.url ? `${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}` : ''}`.trim();
    fn.set(key, (fn.get(key) ?? 0) + us);
  }
  const list = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({
        name,
        ms: Math.round(us / 1000),
        share: Math.round((us / total) * 1000) / 10,
      }));
  return { byArea: list(area), byFunction: list(fn), totalMs: Math.round(total / 1000) };
}

// `node dist-tools/tools/bench/cpu-profile-summary.js DIR|FILE`: the newest profile in DIR, summarised.
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const target = process.argv[2];
  if (!target) {
    console.error('usage: cpu-profile-summary DIR|FILE.cpuprofile');
    process.exit(2);
  }
  const file = statSync(target).isDirectory()
    ? readdirSync(target)
        .filter((f) => f.endsWith('.cpuprofile'))
        .map((f) => join(target, f))
        .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0]
    : target;
  if (!file) {
    console.error(`no .cpuprofile in ${target}`);
    process.exit(2);
  }
  const s = summariseCpuProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
  console.log(`${file}: ${s.totalMs} ms sampled`);
  console.log('\nself time by area:');
  for (const r of s.byArea)
    console.log(`  ${String(r.share).padStart(5)}%  ${String(r.ms).padStart(6)} ms  ${r.name}`);
  console.log('\nself time by function:');
  for (const r of s.byFunction)
    console.log(`  ${String(r.share).padStart(5)}%  ${String(r.ms).padStart(6)} ms  ${r.name}`);
}
