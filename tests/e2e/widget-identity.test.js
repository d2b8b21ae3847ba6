// Who the visitor is: a shop that proves its signed-in customer with the
// site's secret gets them greeted by name and their history on any browser;
// a page that only claims a name (a wrong hash) gets nothing of theirs, and
// the console shows the name as unverified.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { launchBrowser, screenshot, startRelay, startSite } from './relay.js';
import { en, firstVisitGreeting, intro, newVisitor, openChat, send, signInConsole } from './helpers.js';

const SECRET = 'the e2e identity secret of the demo site';
const hash = (userId, secret = SECRET) => createHmac('sha256', secret).update(userId).digest('hex');

let relay;
let shop;
let browser;

before(async () => {
  // The shop's page for its signed-in customer ?user=ID, named ?name=, as
  // its server would write it: the tag's own onload identifies them, which
  // runs as soon as the loader has run, before the chat app has loaded.
  // ?forged=1 signs with another secret: a page claiming someone it cannot prove.
  shop = await startSite((url) => {
    const userId = url.searchParams.get('user');
    if (!userId) return ''; // the browser's own asks, such as /favicon.ico
    const identity = {
      user_id: userId,
      name: url.searchParams.get('name') || 'Ana',
      email: `${userId}@shop.test`,
      user_hash: hash(userId, url.searchParams.has('forged') ? 'not the site secret at all' : SECRET),
    };
    return `<!doctype html><html lang="en"><title>Shop</title><h1>Shop</h1>
      <script async src="${relay.url}/widget.js" data-site="demo"
        onload='Warmline.identify(${JSON.stringify(identity)})'></script>`;
  });
  relay = await startRelay({ WARMLINE_DEMO_ORIGINS: shop.origin, WARMLINE_DEMO_IDENTITY_SECRET: SECRET });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await relay?.stop();
  await shop?.stop();
});

test('a visitor identified from the tag\'s onload, before the app loaded, is greeted by name', async () => {
  const { context, page, errors } = await newVisitor(browser, `${shop.origin}/?user=ana-7`);
  // Nothing of the app has loaded yet when onload runs: the loader keeps the
  // identity and hands it over when the app starts.
  await openChat(page);
  await intro(page).filter({ hasText: 'Ana' }).waitFor();
  await screenshot(page, 'identity-greeted-by-name');
  assert.deepEqual(errors, [], 'no script errors');
  await context.close();
});

test('a verified visitor on their first visit is greeted for the time of day, not welcomed back', async () => {
  // A customer who has never written before, on any browser.
  const { context, page } = await newVisitor(browser, `${shop.origin}/?user=first-timer&name=Tamar`);
  await openChat(page);
  await intro(page).filter({ hasText: 'Tamar' }).waitFor();
  const shown = await intro(page).innerText();
  await screenshot(page, 'identity-first-visit');
  assert.equal(shown, await firstVisitGreeting(page, 'Tamar'),
    'nothing earlier to welcome back to: there is no earlier conversation below');
  await context.close();
});

test('"Sign in as Ana" on the demo page greets Ana', async () => {
  const { context, page, errors } = await newVisitor(browser, `${relay.url}/demo/`);
  // The demo shop's server computes Ana's hash; the page identifies her and
  // opens the chat itself.
  await page.getByRole('button', { name: 'Sign in as Ana', exact: true }).click();
  await page.getByRole('dialog', { name: en.panel }).waitFor();
  await intro(page).filter({ hasText: 'Ana' }).waitFor();
  await screenshot(page, 'identity-demo-sign-in');
  assert.deepEqual(errors, [], 'no script errors');
  await context.close();
});

test('the same verified visitor on a second browser finds their earlier conversation', async () => {
  const first = await newVisitor(browser, `${shop.origin}/?user=ana-2048`);
  await openChat(first.page);
  await send(first.page, 'Where is order 2048?');
  await first.context.close();

  // Another browser: no token, nothing stored. Only the shop's proof says who this is.
  const second = await newVisitor(browser, `${shop.origin}/?user=ana-2048`);
  await openChat(second.page);
  await second.page.getByText('Where is order 2048?', { exact: true }).waitFor();
  await intro(second.page).filter({ hasText: 'Welcome back, Ana!' }).waitFor();
  await screenshot(second.page, 'identity-second-browser');
  assert.equal(await second.page.locator('.line.mine').count(), 1, 'the earlier message, once');
  await second.context.close();
});

test('a wrong hash stays anonymous, sees nothing of the real customer, and shows as unverified', async () => {
  // The real Ana writes something private from her own browser.
  const ana = await newVisitor(browser, `${shop.origin}/?user=ana-4096`);
  await openChat(ana.page);
  await send(ana.page, 'My address is 12 Rustaveli Avenue');
  await ana.context.close();

  // A page claims to be her, with a hash made with the wrong secret.
  const { context, page } = await newVisitor(browser, `${shop.origin}/?user=ana-4096&forged=1`);
  await openChat(page);
  // Connected (the greeting has had its answer from the relay) and anonymous.
  await page.getByText(en.connecting).waitFor({ state: 'detached' });
  await intro(page).filter({ hasText: en.greeting_anonymous }).waitFor();
  await send(page, 'Is my parcel on its way?');
  assert.equal(await intro(page).innerText(), en.greeting_anonymous, 'no "Ana" in the greeting');
  assert.equal(await page.getByText('Rustaveli').count(), 0, 'nothing of the real Ana\'s conversation');
  await screenshot(page, 'identity-wrong-hash-widget');

  // The console shows the claimed name, marked as only claimed; the real
  // Ana's conversation is marked verified.
  const agent = await signInConsole(browser, relay.url);
  const claimed = agent.getByRole('button', { name: /parcel on its way/ });
  await claimed.waitFor();
  assert.equal(await nameIn(claimed), 'Ana');
  assert.deepEqual(await claimed.locator('.badge').allInnerTexts(), ['unverified']);
  const proven = agent.getByRole('button', { name: /Rustaveli/ });
  assert.equal(await nameIn(proven), 'Ana');
  assert.deepEqual(await proven.locator('.badge').allInnerTexts(), ['verified']);
  await screenshot(agent, 'identity-wrong-hash-console');
  await agent.context().close();
  await context.close();
});

/// The visitor's name on an inbox item, without its badge.
const nameIn = (item) =>
  item.locator('.item-name').evaluate((e) =>
    [...e.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.textContent).join('').trim());
