// The widget speaks the visitor's language: the page's <html lang>, or the
// one the page picks with Warmline.setLocale (live, while the chat is open),
// or the browser's; a right-to-left language mirrors the panel.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { launchBrowser, screenshot, startRelay, startSite } from './relay.js';
import { catalogue, en, intro, newVisitor, openChat, send } from './helpers.js';

const ka = catalogue('ka');
const hy = catalogue('hy');
const he = catalogue('he');
const GEORGIAN = /^[\u10A0-\u10FF\u1C90-\u1CBF\s\p{P}]+$/u;
const ARMENIAN = /^[\u0530-\u058F\s\p{P}]+$/u;

let relay;
let site;
let browser;

before(async () => {
  // /ka is a Georgian page, /en an English one, /plain says no language.
  site = await startSite((url) => {
    const lang = url.pathname.slice(1);
    if (!['ka', 'en', 'plain'].includes(lang)) return '';
    return `<!doctype html><html${lang === 'plain' ? '' : ` lang="${lang}"`}><title>Shop</title><h1>Shop</h1>
      <script async src="${relay.url}/widget.js" data-site="demo"></script>`;
  });
  relay = await startRelay({
    WARMLINE_DEMO_ORIGINS: site.origin,
    // A partial Hebrew catalogue, which the relay completes from English.
    WARMLINE_LOCALES_DIR: fileURLToPath(new URL('./fixtures/locales', import.meta.url)),
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await relay?.stop();
  await site?.stop();
});

const dialog = (page) => page.locator('#warmline-root').getByRole('dialog');

test('a page in Georgian gets the widget in Georgian', async () => {
  // The browser itself prefers English: the page's language wins.
  const { context, page, errors } = await newVisitor(browser, `${site.origin}/ka`, { locale: 'en-US' });
  await openChat(page, ka);
  await page.getByRole('dialog', { name: ka.panel, exact: true }).waitFor();
  await page.getByRole('heading', { name: ka.title, exact: true }).waitFor();
  const box = page.getByRole('textbox', { name: ka.message, exact: true });
  assert.equal(await box.getAttribute('placeholder'), ka.placeholder);
  await page.getByRole('button', { name: ka.launcher_close, exact: true }).waitFor();
  await page.getByRole('button', { name: ka.send, exact: true }).waitFor();
  assert.equal(await intro(page).innerText(), ka.greeting_anonymous);
  for (const text of [ka.title, ka.placeholder, ka.send, ka.launcher_open]) assert.match(text, GEORGIAN);
  // Screen readers read the panel in Georgian too.
  assert.equal(await dialog(page).getAttribute('lang'), 'ka');
  assert.equal(await dialog(page).getAttribute('dir'), 'ltr');
  await screenshot(page, 'languages-georgian');
  assert.deepEqual(errors, []);
  await context.close();
});

test('Warmline.setLocale switches the open widget to Armenian at once', async () => {
  const { context, page, errors } = await newVisitor(browser, `${site.origin}/ka`);
  await openChat(page, ka);
  await send(page, 'Barev!', ka);

  await page.evaluate(() => Warmline.setLocale('hy'));
  await page.getByRole('heading', { name: hy.title, exact: true }).waitFor();
  assert.match(hy.title, ARMENIAN);
  const box = page.getByRole('textbox', { name: hy.message, exact: true });
  assert.equal(await box.getAttribute('placeholder'), hy.placeholder);
  await page.getByRole('button', { name: hy.send, exact: true }).waitFor();
  await page.getByRole('button', { name: hy.launcher_close, exact: true }).waitFor();
  assert.equal(await intro(page).innerText(), hy.greeting_anonymous);
  // Lines already in the log are told again in the new language.
  const said = await page.locator('.line.mine .bubble .sr').first().textContent();
  assert.ok(said.startsWith(hy.you_said), `"${said}" starts with "${hy.you_said}"`);
  assert.equal(await dialog(page).getAttribute('lang'), 'hy');
  await screenshot(page, 'languages-armenian');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a page that names no language gets the browser\'s', async () => {
  const { context, page } = await newVisitor(browser, `${site.origin}/plain`, { locale: 'hy-AM' });
  await openChat(page, hy);
  await page.getByRole('heading', { name: hy.title, exact: true }).waitFor();
  assert.equal(await dialog(page).getAttribute('lang'), 'hy');
  await screenshot(page, 'languages-browser-armenian');
  await context.close();
});

test('a right-to-left language mirrors the panel: the visitor\'s own messages sit on the left', async () => {
  const { context, page, errors } = await newVisitor(browser, `${site.origin}/en`);
  await openChat(page);
  await send(page, 'shalom');
  // Where the visitor's bubble sits in the panel: its middle, from -1 (left)
  // to 1 (right). Measured in one go: a line is redrawn when it changes.
  const side = () =>
    page.locator('#warmline-root').evaluate((host) => {
      const b = host.shadowRoot.querySelector('.line.mine .bubble').getBoundingClientRect();
      const p = host.shadowRoot.querySelector('[role=dialog]').getBoundingClientRect();
      return (b.x + b.width / 2 - (p.x + p.width / 2)) / (p.width / 2);
    });
  assert.ok((await side()) > 0, 'left to right, the visitor\'s messages sit on the right');

  await page.evaluate(() => Warmline.setLocale('he'));
  await page.getByRole('heading', { name: he.title, exact: true }).waitFor();
  assert.equal(await dialog(page).getAttribute('dir'), 'rtl');
  assert.equal(await dialog(page).getAttribute('lang'), 'he');
  // Keys the Hebrew catalogue lacks come in English rather than as nothing.
  await page.getByText(en.agents_away).waitFor();
  await screenshot(page, 'languages-right-to-left');
  const rtl = await side();
  assert.ok(rtl < 0, `right to left, the visitor's messages sit on the left (at ${rtl.toFixed(2)})`);
  assert.deepEqual(errors, []);
  await context.close();
});
