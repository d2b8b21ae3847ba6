// Self-help in the widget and the console, against the demo shop's real
// articles (examples/kb): a Georgian visitor finds the password article by
// typing part of a word, watches its video with Georgian captions loaded
// from the relay's origin, says it did not help and reaches a person; the
// bot offers articles for a question and a person after "No"; an article
// full of script stays inert; owners write articles with a live preview and
// see the questions no article answered.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PASSWORD, launchBrowser, screenshot, startRelay, startSite } from './relay.js';
import { catalogue, en, newVisitor, openChat, send, signInConsole } from './helpers.js';

const ka = catalogue('ka');
const examples = fileURLToPath(new URL('../../examples/kb', import.meta.url));

/// An article's title as its file says.
function titleOf(lang, slug) {
  const text = readFileSync(`${examples}/${lang}/${slug}.md`, 'utf8');
  return text.match(/^title\s*=\s*"(.*)"\s*$/m)[1].replace(/\\"/g, '"');
}

let relay;
let site;
let browser;

before(async () => {
  site = await startSite((url) => {
    const lang = url.pathname.slice(1) || 'en';
    return `<!doctype html><html lang="${lang}"><title>Kartuli Tea House</title><h1>Tea</h1>
      <script async src="${relay.url}/widget.js" data-site="demo"></script>`;
  });
  relay = await startRelay({ WARMLINE_DEMO_ORIGINS: site.origin, WARMLINE_DEMO_KB: examples });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await relay?.stop();
  await site?.stop();
});

/// Signs in from node, for calling the owners' API.
async function ownerCookie() {
  const response = await fetch(`${relay.url}/api/agent/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'agent@demo.test', password: PASSWORD }),
  });
  assert.equal(response.status, 200);
  return response.headers.get('set-cookie').split(';')[0];
}

test('a Georgian visitor finds the password article by part of a word, watches its captioned video and reaches a person', async () => {
  const { page, errors } = await newVisitor(browser, `${site.origin}/ka`);
  await openChat(page, ka);
  const search = page.getByRole('searchbox', { name: ka.search });
  await page.getByRole('heading', { name: ka.common_questions }).waitFor();
  await screenshot(page, 'help-home-ka');
  await search.fill('პაროლ');
  const title = titleOf('ka', 'password-reset');
  await page.getByRole('button', { name: new RegExp(`^${title}`) }).first().click();
  await page.getByRole('heading', { name: title, level: 3 }).waitFor();

  // The video plays, with the Georgian captions fetched across origins.
  const video = page.locator('.article video');
  await video.waitFor();
  const captions = await video.evaluate(async (v) => {
    v.muted = true;
    await v.play();
    const track = v.querySelector('track');
    await new Promise((resolve, reject) => {
      if (track.readyState === 2) return resolve();
      track.addEventListener('load', resolve);
      track.addEventListener('error', () => reject(new Error('captions did not load')));
    });
    return { lang: track.srclang, cues: [...track.track.cues].map((c) => c.text) };
  });
  assert.equal(captions.lang, 'ka');
  assert.ok(captions.cues.length > 0 && /[ა-ჰ]/.test(captions.cues.join(' ')), JSON.stringify(captions));
  await video.evaluate((v) => new Promise((resolve) => {
    const check = () => (v.currentTime > 0.5 ? resolve() : requestAnimationFrame(check));
    check();
  }));
  await screenshot(page, 'help-article-ka');

  // It did not help: the visitor asks for a person, in their language.
  await page.getByRole('group', { name: ka.did_it_help }).getByRole('button', { name: ka.no_person }).click();
  await page.locator('.line.mine', { hasText: 'მსურს ადამიანთან საუბარი.' }).waitFor();
  await page.locator('.line.theirs.bot').last().waitFor();
  const agent = await signInConsole(browser, relay.url);
  // The only conversation so far is this visitor's.
  await agent.locator('.inbox .item').first().click();
  await agent.getByText('Asked for a person').waitFor();
  await agent.locator('.bubble .articles', { hasText: title }).waitFor();
  await screenshot(agent, 'console-asked-for-person');
  assert.deepEqual(errors, []);
});

test('the bot offers articles for a question, and a person after "No"', async () => {
  const { page, errors } = await newVisitor(browser, `${site.origin}/en`);
  await openChat(page);
  await send(page, 'I forgot my password and cannot sign in');
  const bot = page.locator('.line.theirs.bot').first();
  await bot.waitFor();
  const title = titleOf('en', 'password-reset');
  await bot.getByRole('button', { name: new RegExp(`^${title}`) }).waitFor();
  await screenshot(page, 'help-bot-suggestions');
  const ask = page.getByRole('group', { name: en.did_it_help });
  await ask.getByRole('button', { name: en.no_person }).click();
  await page.locator('.line.mine', { hasText: "I'd like to talk to a person." }).waitFor();
  // A suggestion opens the article in the panel.
  await bot.getByRole('button', { name: new RegExp(`^${title}`) }).click();
  await page.getByRole('heading', { name: title, level: 3 }).waitFor();
  await page.getByRole('button', { name: en.back }).click();
  await page.getByRole('log').waitFor();
  assert.deepEqual(errors, []);
});

test('an article full of script renders inert in the widget', async () => {
  const cookie = await ownerCookie();
  const created = await fetch(`${relay.url}/api/kb/articles`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({
      slug: 'hostile-zebra', lang: 'en', title: 'Zebra hostile article', published: true,
      body: 'Zebra <script>window.pwned = 1</script>\n\n<img src=x onerror="window.pwned = 2">\n\n'
        + '[click me](javascript:window.pwned=3) <a href="javascript:window.pwned=4" onclick="window.pwned=5">raw</a>',
    }),
  });
  assert.equal(created.status, 201);
  const { page, errors } = await newVisitor(browser, `${site.origin}/en`);
  const dialogs = [];
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
  await openChat(page);
  await page.getByRole('searchbox', { name: en.search }).fill('zebra');
  await page.getByRole('button', { name: /^Zebra hostile article/ }).click();
  const body = page.locator('.article .body');
  await body.getByRole('heading', { name: 'Zebra hostile article' }).waitFor();
  await body.getByText('click me').click();
  const found = await body.evaluate((el) => ({
    scripts: el.querySelectorAll('script').length,
    images: el.querySelectorAll('img').length,
    handlers: [...el.querySelectorAll('*')].filter((e) => [...e.attributes].some((a) => a.name.startsWith('on'))).length,
    javascript: [...el.querySelectorAll('a')].filter((a) => (a.getAttribute('href') || '').startsWith('javascript')).length,
  }));
  assert.deepEqual(found, { scripts: 0, images: 0, handlers: 0, javascript: 0 });
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  assert.deepEqual(dialogs, []);
  assert.deepEqual(errors, []);
});

test('owners write an article with a live preview and see questions without an article', async () => {
  const { page: visitor } = await newVisitor(browser, `${site.origin}/en`);
  await openChat(visitor);
  await visitor.getByRole('searchbox', { name: en.search }).fill('loyalty points balance');
  await visitor.getByText(en.no_results).waitFor();

  const owner = await signInConsole(browser, relay.url);
  await owner.getByRole('button', { name: 'Help articles', exact: true }).click();
  await owner.getByRole('button', { name: new RegExp(titleOf('en', 'password-reset')) }).first().waitFor();
  // The Georgian visitor of the first test said the article did not help.
  await owner.locator('.kb-article', { hasText: titleOf('ka', 'password-reset') }).getByText(/1 not$/).waitFor();
  const row = owner.locator('.misses tr', { hasText: 'loyalty points balance' });
  await row.waitFor();
  await owner.getByRole('button', { name: 'New article', exact: true }).click();
  await owner.getByLabel('Title').fill('Loyalty points');
  await owner.getByLabel('Slug (the same in every language)').fill('loyalty-points');
  await owner.getByLabel('Text (Markdown)').fill('Every **10 GEL** earns a point.\n\n1. Open [your account](/account)');
  await owner.locator('.kb-preview strong', { hasText: '10 GEL' }).waitFor();
  await screenshot(owner, 'console-help-articles');
  await owner.getByRole('button', { name: 'Save article', exact: true }).click();
  await owner.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
  await owner.locator('.kb-article', { hasText: 'Loyalty points' }).waitFor();
  await row.scrollIntoViewIfNeeded();
  await screenshot(owner, 'console-questions-without-article');

  // Visitors find it at once.
  await visitor.getByRole('searchbox', { name: en.search }).fill('loyalty point');
  await visitor.getByRole('button', { name: /^Loyalty points/ }).waitFor();
});

test('articles and their video show on a page with a strict CSP and Trusted Types', async () => {
  const { page, errors } = await newVisitor(browser);
  const refused = [];
  page.on('console', (m) => { if (/Refused|TrustedHTML|Trusted Type/i.test(m.text())) refused.push(m.text()); });
  await page.goto(`${relay.url}/demo/strict/`);
  await openChat(page);
  await page.getByRole('searchbox', { name: en.search }).fill('password');
  const title = titleOf('en', 'password-reset');
  await page.getByRole('button', { name: new RegExp(`^${title}`) }).first().click();
  const body = page.locator('.article .body');
  await body.locator('ol li').first().waitFor();
  await body.locator('video').evaluate((v) => new Promise((resolve, reject) => {
    if (v.readyState >= 1) return resolve();
    v.addEventListener('loadedmetadata', resolve);
    v.addEventListener('error', () => reject(new Error('the video did not load')));
  }));
  assert.deepEqual(refused, []);
  assert.deepEqual(errors, []);
});
