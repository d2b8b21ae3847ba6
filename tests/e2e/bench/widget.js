// `cargo xtask bench widget`: what the Warmline tag costs a host page, and how
// fast the widget answers, in headless Chromium against a real relay. Prints
// figures for people; it is not a test and fails only if a page fails to load.
//   cd tests/e2e && WARMLINE_BIN=… CHROMIUM=… [BENCH_RUNS=15] node bench/widget.js
import { launchBrowser, startRelay, startSite } from '../relay.js';

const RUNS = Number(process.env.BENCH_RUNS) || 15;
const OPEN_KEY = 'warmline.demo.open';

// A plausible shop page: inline CSS, text, and three pictures inlined as data:
// SVG, so nothing is fetched from outside.
const picture = (a, b) => 'data:image/svg+xml,' + encodeURIComponent(
  `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="200"><defs><linearGradient id="g">` +
  `<stop offset="0" stop-color="${a}"/><stop offset="1" stop-color="${b}"/></linearGradient></defs>` +
  `<rect width="320" height="200" fill="url(#g)"/><circle cx="160" cy="100" r="60" fill="#fff8" /></svg>`);
const TEAS = [['Guria Black', '#7a3e12', '#e9b872'], ['Nabeglavi Green', '#3f6b2a', '#c9e29b'], ['Mountain Thyme', '#5b4a7a', '#d8c7ef']];
const hostPage = (tag) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Kartuli Tea House</title>
<style>body{margin:0;font:17px/1.6 Georgia,serif;color:#2b2118;background:#f6efe4}header{padding:1.2rem 2rem;background:#2b2118;color:#f6efe4}
main{max-width:60rem;margin:0 auto;padding:2rem}.teas{display:grid;grid-template-columns:repeat(3,1fr);gap:1.5rem}
.tea{background:#fffaf2;padding:1rem;border:1px solid #e4d6c1}.tea img{width:100%;height:auto}footer{padding:2rem;text-align:center}</style></head>
<body><header><b>Kartuli Tea House</b></header><main><h1>Black tea from the hills of Guria, packed by hand.</h1>
${'<p>Our teas grow on small family farms in western Georgia, are rolled and dried by hand, and reach you within weeks of picking. Every order ships in a tin that keeps the leaves fresh for a year.</p>'.repeat(4)}
<div class="teas">${TEAS.map(([name, a, b]) => `<div class="tea"><img src="${picture(a, b)}" width="320" height="200" alt="">
<h2>${name}</h2><p>€9.50 / 100 g</p><button>Add to cart</button></div>`).join('')}</div></main>
<footer>Kartuli Tea House is not a real shop.</footer>${tag}</body></html>`;

// Injected before any page script, in every context of both variants alike.
// Tag start: the loader's first statement reads `window.Warmline` (the stub
// check), so a getter on that property notes the moment the tag begins to
// execute. Launcher: a MutationObserver notes when <warmline-chat> (whose
// shadow root already holds the launcher) joins the page; "shown" is the next
// frame (requestAnimationFrame, then a task: after that frame has painted).
// Ready: focus reaching the textarea, which a disabled one cannot take.
function probe({ noIdle }) {
  // Without requestIdleCallback the loader's idle preload waits 2 s instead,
  // so a click made as soon as the launcher shows meets an app not yet loaded.
  if (noIdle) window.requestIdleCallback = undefined;
  const t = (window.__wl = {});
  let value;
  Object.defineProperty(window, 'Warmline', {
    configurable: true,
    get() { t.start ??= performance.now(); return value; },
    set(v) { value = v; },
  });
  const ours = (e) => e.target?.localName === 'warmline-chat';
  addEventListener('pointerover', (e) => ours(e) && (t.hover ??= e.timeStamp), true);
  addEventListener('click', (e) => ours(e) && (t.click ??= e.timeStamp), true);
  new MutationObserver((_, observer) => {
    const root = document.querySelector('warmline-chat')?.shadowRoot;
    if (!root?.querySelector('.launcher')) return;
    observer.disconnect();
    t.drawn = performance.now();
    requestAnimationFrame(() => setTimeout(() => (t.shown = performance.now())));
    root.addEventListener('focusin', (e) => {
      if (e.target.localName === 'textarea' && !e.target.disabled) t.ready ??= performance.now();
    });
  }).observe(document, { childList: true, subtree: true });
}

// The page's own figures: load end and first contentful paint, both from
// navigation start (PerformanceNavigationTiming.startTime is 0).
async function pageTimes(page) {
  await page.waitForFunction(() => performance.getEntriesByType('navigation')[0]?.loadEventEnd > 0);
  await page.waitForFunction(() => performance.getEntriesByName('first-contentful-paint').length, null, { timeout: 5000 }).catch(() => {});
  return page.evaluate(() => ({
    load: performance.getEntriesByType('navigation')[0].loadEventEnd,
    fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime,
  }));
}

// Tag start → launcher shown, or nothing if the widget did not draw in 10 s.
async function launcherTime(page) {
  const ok = await page.waitForFunction(() => window.__wl.shown, null, { timeout: 10000 }).catch(() => null);
  return ok ? page.evaluate(() => window.__wl.shown - window.__wl.start) : undefined;
}

// One context, two loads of `url`: cold cache, then warm. `measure` adds its
// own figures for each load, given the relay's responses to that load so far.
// Bytes: Playwright's own count of each relay response (headers and encoded
// body as sent; resource timing shows 0 for another origin without
// Timing-Allow-Origin), plus the WebSocket frames received.
async function visit(browser, url, relayOrigin, measure, noIdle = false) {
  const context = await browser.newContext();
  await context.addInitScript(probe, { noIdle });
  const page = await context.newPage();
  let files, counting;
  page.on('requestfinished', (request) => counting.push((async () => {
    const { origin, pathname } = new URL(request.url());
    if (origin !== relayOrigin) return;
    const [response, sizes] = await Promise.all([request.response(), request.sizes()]);
    files[pathname] = { encoding: response?.headers()['content-encoding'] || 'none',
      body: sizes.responseBodySize, headers: sizes.responseHeadersSize };
  })()));
  page.on('websocket', (ws) => ws.on('framereceived', ({ payload }) => {
    const f = (files['WebSocket frames received'] ??= { encoding: 'ws', body: 0, headers: 0 });
    f.body += Buffer.byteLength(payload);
  }));
  const out = [];
  for (const cache of ['cold', 'warm']) {
    files = {};
    counting = [];
    await page.goto(url); // throws if the page fails to load: the only failure
    const times = await pageTimes(page);
    out.push({ cache, ...times, ...(await measure(page, cache, async () => (await Promise.all(counting), files))) });
    await page.waitForLoadState('networkidle'); // the idle preload is done
  }
  await context.close();
  return out;
}

// Click the launcher as soon as it shows; time until the message box is
// focused; on a cold cache, the bytes the widget fetched until then.
async function openChat(page, cache, sent) {
  try {
    await page.locator('warmline-chat').getByRole('button', { name: /^Open chat/ }).click({ timeout: 10000 });
    await page.waitForFunction(() => window.__wl.ready, null, { timeout: 10000 });
    await page.waitForLoadState('networkidle');
    const files = await sent();
    const t = await page.evaluate(() => {
      const wasm = performance.getEntriesByType('resource').find((r) => r.name.includes('.wasm'));
      return { ...window.__wl, wasmStart: wasm?.startTime };
    });
    // The app was preloaded if its wasm was asked for before the pointer came.
    const preloaded = cache === 'cold' && !(t.wasmStart >= t.hover);
    return { open: preloaded ? undefined : t.ready - t.click, files: cache === 'cold' ? files : undefined };
  } catch {
    return {}; // the widget failed: a missing sample, not a failed run
  } finally {
    await page.evaluate((key) => localStorage.removeItem(key), OPEN_KEY); // start closed next time
  }
}

const sorted = (xs) => xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
const quantile = (xs, q) => { const s = sorted(xs); return s.length ? s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] : NaN; };
const median = (xs) => { const s = sorted(xs); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const ms = (x) => (Number.isFinite(x) ? x.toFixed(1) : 'n/a').padStart(8);
const row = (label, ...cells) => console.log(label.padEnd(54) + cells.join(''));

let relay, plain, tagged, browser;
try {
  plain = await startSite(() => hostPage(''));
  tagged = await startSite(() => hostPage(`<script async src="${relay.url}/widget.js" data-site="demo"></script>`));
  relay = await startRelay({ WARMLINE_DEMO_ORIGINS: tagged.origin });
  const relayOrigin = new URL(relay.url).origin;
  browser = await launchBrowser();

  const samples = { without: [], with: [], open: [] };
  for (let i = 0; i < RUNS; i++) {
    // A, B, then B, A: each variant goes first as often, and noise hits both.
    for (const v of i % 2 ? ['with', 'without'] : ['without', 'with']) {
      const url = (v === 'with' ? tagged : plain).origin + '/';
      samples[v].push(...await visit(browser, url, relayOrigin, async (page) => (v === 'with' ? { launcher: await launcherTime(page) } : {})));
    }
    samples.open.push(...await visit(browser, tagged.origin + '/', relayOrigin, openChat, true));
    process.stderr.write(`\r    run ${i + 1}/${RUNS}`);
  }
  process.stderr.write('\n');

  const pick = (list, cache, key) => list.filter((s) => s.cache === cache).map((s) => s[key]);
  console.log(`\nWarmline widget: ${RUNS} interleaved runs per variant, headless Chromium, fresh context per run (cold), then a second load in it (warm).`);
  console.log('Measured on a shared, noisy machine: the with/without ratio, not the absolute time, is the figure to watch.\n');
  row('host page (ms from navigation start)', '  without     p90', '     with     p90', '   ratio (target ≤ 1.05)');
  for (const cache of ['cold', 'warm']) {
    for (const [key, name] of [['load', 'load event end'], ['fcp', 'first contentful paint']]) {
      const a = pick(samples.without, cache, key), b = pick(samples.with, cache, key);
      row(`  ${name}, ${cache}`, ms(median(a)), ms(quantile(a, 0.9)), ms(median(b)), ms(quantile(b, 0.9)), `   ${(median(b) / median(a)).toFixed(3)}`);
    }
  }
  console.log();
  row('widget (ms)', '   median     p90', '   samples');
  for (const cache of ['cold', 'warm']) {
    const l = pick(samples.with, cache, 'launcher');
    row(`  tag starts → launcher shown, ${cache}`, ms(median(l)), ms(quantile(l, 0.9)), `   ${sorted(l).length}/${RUNS}`);
  }
  for (const cache of ['cold', 'warm']) {
    const o = pick(samples.open, cache, 'open');
    const note = cache === 'cold' ? 'not preloaded' : 'app cached';
    row(`  click → message box focused, ${cache} (${note})`, ms(median(o)), ms(quantile(o, 0.9)), `   ${sorted(o).length}/${RUNS}`);
  }

  // Sizes hardly vary; the median per file over the cold runs.
  const runs = pick(samples.open, 'cold', 'files').filter(Boolean);
  const names = [...new Set(runs.flatMap((f) => Object.keys(f)))];
  console.log(`\nbytes over the wire before the first message (cold, median of ${runs.length} runs)`);
  row('  file', 'encoding'.padStart(10), '     body'.padStart(10), '  headers'.padStart(10));
  let total = 0;
  for (const name of names) {
    const of = (k) => median(runs.map((f) => f[name]?.[k] ?? 0));
    total += of('body') + of('headers');
    const f = runs.find((r) => r[name])[name];
    row(`  ${name}`, f.encoding.padStart(10), String(of('body')).padStart(10), String(of('headers')).padStart(10));
  }
  row('  total', ''.padStart(10), String(total).padStart(20));
} catch (e) {
  console.error('the benchmark could not load its page:', e);
  process.exitCode = 1;
} finally {
  await browser?.close();
  await relay?.stop();
  await plain?.stop();
  await tagged?.stop();
}
