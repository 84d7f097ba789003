import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CONTENT_SECURITY_POLICY,
  findSchool,
  renderDistrictReport,
  renderSchoolReport,
} from '../../src/report/index.js';
import { HOSTILE_SCHOOL, reportFixture } from '../support/report-fixture.js';

/**
 * The HTML report in a real browser: Debian's chromium, headless (scripts/install-chromium.sh, which
 * .ci/run calls). One launch dumps the DOM as the browser built it, one takes a screenshot, one prints
 * to PDF; every launch's console (--enable-logging=stderr) must be silent. The page has no script, so
 * any console line is a fault, such as a request the Content-Security-Policy blocked. The files stay in
 * .tmp/report-html/ for a person to look at.
 */
const execFileAsync = promisify(execFile);
const OUT = resolve('.tmp', 'report-html');

function findChromium(): string | null {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) {
    if (!existsSync(configured))
      throw new Error(`CHROMIUM_PATH=${configured} does not exist. Fix: unset it or name the binary`);
    return configured;
  }
  for (const dir of (process.env.PATH ?? '').split(':')) {
    for (const name of ['chromium', 'chromium-browser']) {
      if (dir && existsSync(join(dir, name))) return join(dir, name);
    }
  }
  return null;
}

/** The browser; as for Redis, a missing one is installed when we are root (the script says what to do otherwise). */
function ensureChromium(): string {
  const found = findChromium();
  if (found) return found;
  const res = spawnSync('bash', [resolve('scripts', 'install-chromium.sh')], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const again = res.status === 0 ? findChromium() : null;
  if (!again) {
    throw new Error(
      'chromium is not installed. Fix: run `bash scripts/install-chromium.sh` as root (Debian package chromium), or set CHROMIUM_PATH',
    );
  }
  return again;
}

let browser: string;
let profile: string;

/** One headless launch; resolves with what it printed (stdout: --dump-dom; stderr: the log). */
async function chromium(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return execFileAsync(
    browser,
    [
      '--headless',
      '--no-sandbox', // the tests run as root in CI
      '--disable-gpu',
      '--no-first-run',
      '--no-default-browser-check',
      '--disable-extensions',
      '--hide-scrollbars',
      '--mute-audio',
      `--user-data-dir=${profile}`,
      '--enable-logging=stderr',
      '--v=0',
      ...args,
    ],
    { timeout: 90_000, maxBuffer: 64 * 1024 * 1024 },
  );
}

/** The page's console messages, as chromium logs them: `[...:INFO:CONSOLE:12] "message", source: ...`. */
const consoleMessages = (stderr: string): string[] =>
  stderr.split('\n').filter((line) => /:CONSOLE[:(]\d*/.test(line));

/** The markup with the whitespace between and inside tags dropped. */
const squash = (dom: string): string => dom.replace(/\s+/g, ' ').replace(/ ?([<>]) ?/g, '$1');

/** Width and height from a PNG's IHDR chunk. */
function pngSize(file: string): { width: number; height: number } {
  const png = readFileSync(file);
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** Prints the page to OUT/NAME (the print stylesheet applies) and returns its number of pages. */
async function printedPages(page: string, name: string): Promise<number> {
  const pdf = join(OUT, name);
  rmSync(pdf, { force: true });
  const print = await chromium([`--print-to-pdf=${pdf}`, '--no-pdf-header-footer', pathToFileURL(page).href]);
  expect(consoleMessages(print.stderr)).toEqual([]);
  return (
    readFileSync(pdf)
      .toString('latin1')
      .match(/\/Type\s*\/Page(?![a-z])/g) ?? []
  ).length;
}

const headings = (dom: string, tag: 'h1' | 'h2'): string[] =>
  [...squash(dom).matchAll(new RegExp(`<${tag}>(.*?)</${tag}>`, 'g'))].map((m) => m[1] ?? '');

const input = reportFixture();
const reportPages = {
  district: join(OUT, 'district.html'),
  school: join(OUT, 'school.html'),
};

beforeAll(() => {
  browser = ensureChromium();
  mkdirSync(OUT, { recursive: true });
  profile = mkdtempSync(join(tmpdir(), 'report-chromium-'));
  writeFileSync(reportPages.district, renderDistrictReport(input));
  const rows = input.history[input.history.length - 1]?.rows ?? [];
  const school = findSchool(rows, HOSTILE_SCHOOL);
  if (!school) throw new Error('fixture lacks the hostile school');
  writeFileSync(reportPages.school, renderSchoolReport(input, school));
}, 600_000);

afterAll(() => {
  rmSync(profile, { recursive: true, force: true });
});

describe('the HTML report in headless Chromium', () => {
  it('the console check sees what it must: a blocked request and a console.error', async () => {
    // Without this, a Chromium that logs no console lines would let every page pass.
    const probe = join(OUT, 'console-probe.html');
    writeFileSync(
      probe,
      `<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY.replace(/'/g, '&#39;')}; script-src 'unsafe-inline'"></head>` +
        `<body><img src="http://127.0.0.1:9/x.png"><script>console.error("probe-error")</script></body></html>`,
    );
    const { stderr } = await chromium(['--dump-dom', pathToFileURL(probe).href]);
    const messages = consoleMessages(stderr);
    expect(messages.some((m) => m.includes('"probe-error"'))).toBe(true);
    expect(messages.some((m) => /violates the following Content Security Policy directive/.test(m))).toBe(
      true,
    );
  });

  it('district page: the DOM the browser built has every school row, every chart and the headings', async () => {
    const { stdout, stderr } = await chromium(['--dump-dom', pathToFileURL(reportPages.district).href]);
    expect(consoleMessages(stderr)).toEqual([]);
    const dom = squash(stdout);
    expect(dom.match(/<tr class="school-row">/g)?.length).toBe(4);
    expect(dom.match(/<tr class="no-school-row">/g)?.length).toBe(1);
    expect(dom.match(/<svg class="chart columns"/g)?.length).toBe(1);
    expect(dom.match(/<svg class="chart bar"/g)?.length).toBe(5);
    expect(dom.match(/<svg[ >]/g)?.length).toBe(14); // the 6 charts and 2 legends of 4 keys
    expect(headings(stdout, 'h1')).toEqual(['Technician use by school: November 2026']);
    expect(headings(stdout, 'h2')).toEqual(['District overview', 'Schools', 'How to read this report']);
    // The school name stayed text: the browser made no script or img element of it.
    expect(dom).not.toMatch(/<script|<img/);
    expect(dom).toContain('&lt;script&gt;alert("x")&lt;/script&gt; O\'Brien &amp; "Annex" &lt;img src=x&gt;');
  });

  it('district page: a screenshot of the first screen, and a print of a few landscape pages', async () => {
    const png = join(OUT, 'district.png');
    rmSync(png, { force: true });
    const shot = await chromium([
      `--screenshot=${png}`,
      '--window-size=1280,1800',
      pathToFileURL(reportPages.district).href,
    ]);
    expect(consoleMessages(shot.stderr)).toEqual([]);
    expect(pngSize(png)).toEqual({ width: 1280, height: 1800 });
    expect(statSync(png).size).toBeGreaterThan(50_000); // a blank page compresses to a few kB
    const sheets = await printedPages(reportPages.district, 'district.pdf');
    expect(sheets).toBeGreaterThanOrEqual(2);
    expect(sheets).toBeLessThanOrEqual(4);
  });

  it("principal's page: headings, the eight kinds of request, a trend chart, a silent console", async () => {
    const { stdout, stderr } = await chromium(['--dump-dom', pathToFileURL(reportPages.school).href]);
    expect(consoleMessages(stderr)).toEqual([]);
    const dom = squash(stdout);
    expect(headings(stdout, 'h2')).toEqual([
      'In short',
      'What this means for the technician allocation',
      'The numbers',
      'Month by month',
    ]);
    expect(headings(stdout, 'h1')).toEqual([
      '&lt;script&gt;alert("x")&lt;/script&gt; O\'Brien &amp; "Annex" &lt;img src=x&gt;: how the school uses its technician',
    ]);
    expect(dom.match(/<tr class="category-row">/g)?.length).toBe(8);
    expect(dom.match(/<svg class="chart count"/g)?.length).toBe(8);
    expect(dom.match(/<svg class="chart columns"/g)?.length).toBe(1);
    expect(dom).not.toMatch(/<script|<img/);
    const png = join(OUT, 'school.png');
    rmSync(png, { force: true });
    const shot = await chromium([
      `--screenshot=${png}`,
      '--window-size=1000,1600',
      pathToFileURL(reportPages.school).href,
    ]);
    expect(consoleMessages(shot.stderr)).toEqual([]);
    expect(pngSize(png)).toEqual({ width: 1000, height: 1600 });
    // A4 portrait: two sheets here (fonts differ between machines, so up to three)
    const sheets = await printedPages(reportPages.school, 'school.pdf');
    expect(sheets).toBeGreaterThanOrEqual(1);
    expect(sheets).toBeLessThanOrEqual(3);
  });
});
