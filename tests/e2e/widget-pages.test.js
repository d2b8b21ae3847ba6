// The widget on pages that make it hard: one whose styles attack every
// element (the widget must work and leave the page's own look alone) and
// one under the strictest Content-Security-Policy the README allows (the
// widget must work without a single violation).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, screenshot, startRelay } from './relay.js';
import { catalogue, en, newVisitor, openChat, send } from './helpers.js';

const ka = catalogue('ka');

let relay;
let browser;

before(async () => {
  relay = await startRelay();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await relay?.stop();
});

// The host page's own elements, and what of their look the widget could spoil.
const HOST_PARTS = ['html', 'body', 'h1', 'p'];
const LOOK = ['font-size', 'font-family', 'line-height', 'color', 'background-color', 'display',
  'padding-top', 'margin-top', 'box-sizing', 'overflow', 'z-index'];

const hostLook = (page) =>
  page.evaluate(({ parts, look }) => ({
    styles: parts.map((selector) => {
      const style = getComputedStyle(document.querySelector(selector));
      return [selector, ...look.map((property) => `${property}: ${style.getPropertyValue(property)}`)];
    }),
    // The widget's CSS lives in its shadow root, never in the page's sheets.
    sheets: document.styleSheets.length,
    adopted: document.adoptedStyleSheets.length,
    // Where the page's own text is, and how far it scrolls.
    layout: [
      ...parts.map((selector) => {
        const r = document.querySelector(selector).getBoundingClientRect();
        return `${selector}: ${r.x},${r.y} ${r.width}×${r.height}`;
      }),
      `scrolls: ${document.documentElement.scrollWidth}×${document.documentElement.scrollHeight}`,
    ],
  }), { parts: HOST_PARTS, look: LOOK });

/// The widget's own look, to compare a hostile page with a plain one.
const widgetLook = (page) =>
  page.locator('#warmline-root').evaluate((host) => {
    const root = host.shadowRoot;
    const of = (selector, ...properties) => {
      const style = getComputedStyle(root.querySelector(selector));
      return [selector, ...properties.map((p) => `${p}: ${style.getPropertyValue(p)}`)];
    };
    const panel = root.querySelector('[role=dialog]').getBoundingClientRect();
    return {
      panel: [Math.round(panel.width), Math.round(panel.height)],
      parts: [
        of('.title', 'font-size', 'font-family', 'line-height', 'color'),
        of('.line.mine .bubble', 'font-size', 'font-family', 'line-height', 'padding-top', 'display'),
        of('textarea', 'font-size', 'font-family', 'box-sizing', 'display'),
        of('.intro', 'font-size', 'display'),
      ],
      // The hostile page draws a skull in every ::before; none may get in here.
      skulls: [...root.querySelectorAll('*')].filter((e) => getComputedStyle(e, '::before').content.includes('☠')).length,
    };
  });

/// The hostile page, measured before the widget may load; then the widget
/// loads, the chat opens and a message is sent and acknowledged.
async function onHostilePage() {
  const visitor = await newVisitor(browser);
  let release;
  const held = new Promise((resolve) => (release = resolve));
  await visitor.page.route('**/widget.js', async (route) => {
    await held;
    await route.continue();
  });
  // (An async script holds up "load", not "DOMContentLoaded".)
  await visitor.page.goto(`${relay.url}/demo/hostile/`, { waitUntil: 'domcontentloaded' });
  const without = await hostLook(visitor.page);
  release();
  // The page is in Georgian, so is the widget.
  await openChat(visitor.page, ka);
  await send(visitor.page, 'Hello from a hostile page', ka);
  return { ...visitor, without, with: await hostLook(visitor.page) };
}

test('on a hostile page the widget opens, sends, and looks as it does anywhere else', async () => {
  const hostile = await onHostilePage();
  await screenshot(hostile.page, 'pages-hostile');
  const look = await widgetLook(hostile.page);
  assert.equal(look.skulls, 0, 'no host ::before content inside the widget');

  // The same widget on the plain demo page, in Georgian too.
  const plain = await newVisitor(browser, `${relay.url}/demo/`);
  await plain.page.waitForFunction(() => window.Warmline?._loaded);
  await plain.page.evaluate(() => Warmline.setLocale('ka'));
  await openChat(plain.page, ka);
  await send(plain.page, 'Hello from a plain page', ka);
  assert.deepEqual(look, await widgetLook(plain.page), 'the widget looks the same on both pages');
  assert.deepEqual([...hostile.errors, ...plain.errors], []);
  await plain.context.close();
  await hostile.context.close();
});

test('the widget leaves the hostile page\'s own styles alone', async () => {
  const { context, without, with: withWidget } = await onHostilePage();
  assert.deepEqual(withWidget.styles, without.styles, 'computed styles of html, body, h1 and p');
  assert.equal(withWidget.sheets, without.sheets, 'no style sheet added to the page');
  assert.equal(withWidget.adopted, without.adopted, 'no style sheet adopted by the page');
  await context.close();
});

test('the widget takes no room in the hostile page\'s layout', async () => {
  const { context, page, without, with: withWidget } = await onHostilePage();
  await page.keyboard.press('Escape');
  await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  await screenshot(page, 'pages-hostile-bottom');
  // The widget floats above the page: where the page's own elements are,
  // and how far the page scrolls, are as they were without it.
  assert.deepEqual(withWidget.layout, without.layout);
  await context.close();
});

test('under a strict Content-Security-Policy the widget works without a violation', async () => {
  const { context, page, errors } = await newVisitor(browser);
  // Before any of the page's own code: every violation the page meets, and
  // every warning the loader gives (it names what a policy blocked).
  await page.addInitScript(() => {
    window.violations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      window.violations.push(`${e.effectiveDirective} blocked ${e.blockedURI} (${e.sourceFile}:${e.lineNumber})`));
  });
  const warnings = [];
  page.on('console', (m) => ['warning', 'error'].includes(m.type()) && warnings.push(m.text()));
  const response = await page.goto(`${relay.url}/demo/strict/`);
  // The page really is under the strict policy.
  assert.match(response.headers()['content-security-policy'], /require-trusted-types-for 'script'/);

  await openChat(page);
  await send(page, 'Hello under a strict policy');
  await send(page, 'and a second one');
  await screenshot(page, 'pages-strict-csp');
  assert.deepEqual(await page.evaluate(() => window.violations), [], 'no CSP violations');
  assert.deepEqual(warnings, [], 'no warnings or errors in the console');
  assert.deepEqual(errors, []);
  assert.equal(await page.getByText(en.sending).count(), 0);
  await context.close();
});
