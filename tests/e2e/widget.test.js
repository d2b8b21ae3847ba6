// The visitor widget as visitors, owners and agents meet it: greeted by a
// verified name, in Georgian, Armenian and right to left, by keyboard alone,
// with no accessibility violations, on hostile and strict pages, with files,
// and without losing or doubling a message across a relay restart.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { PASSWORD, launchBrowser, screenshot, startRelay, startSite } from './relay.js';

const SECRET = 'an e2e identity secret';
const LOCALES = fileURLToPath(new URL('./fixtures/locales', import.meta.url));
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const hash = (userId) => createHmac('sha256', SECRET).update(userId).digest('hex');

let relay;
let shop;
let browser;

before(async () => {
  // A shop on another origin whose page identifies its signed-in customer
  // from the tag's own onload, before the chat app has loaded.
  shop = await startSite(() => {
    const user = { user_id: 'ana-7', name: 'Ana', email: 'ana@shop.test', user_hash: hash('ana-7') };
    return `<!doctype html><html lang="en"><title>Shop</title><h1>Shop</h1>
      <script async src="${relay.url}/widget.js" data-site="demo"
        onload='Warmline.identify(${JSON.stringify(user)})'></script>`;
  });
  relay = await startRelay({
    WARMLINE_DEMO_ORIGINS: shop.origin,
    WARMLINE_DEMO_IDENTITY_SECRET: SECRET,
    WARMLINE_LOCALES_DIR: LOCALES,
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await relay?.stop();
  await shop?.stop();
});

/// A fresh visitor (own storage) on `url`, with the chat open.
async function visitor(url, { viewport } = {}) {
  const context = await browser.newContext(viewport ? { viewport } : {});
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page.getByRole('button', { name: /^Open chat/ }).click();
  await page.getByRole('textbox', { name: 'Message' }).waitFor();
  return { page, context, errors };
}

async function send(page, text) {
  await page.locator('textarea').fill(text);
  await page.keyboard.press('Enter');
  // Acknowledged: the line no longer says it is being sent.
  await page.locator('.line.mine', { hasText: text }).waitFor();
  await page.locator('.line.pending').waitFor({ state: 'detached' });
}

async function signInConsole(email = 'agent@demo.test', password = PASSWORD) {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${relay.url}/console/`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('button', { name: 'Sign out', exact: true }).waitFor();
  return page;
}

test('a verified visitor is greeted by name and finds their history on another browser', async () => {
  const first = await visitor(`${shop.origin}/`);
  await first.page.locator('.intro', { hasText: /Ana/ }).waitFor();
  await send(first.page, 'Where is order 1024?');
  await screenshot(first.page, 'widget-verified');

  const second = await visitor(`${shop.origin}/`);
  await second.page.getByText('Where is order 1024?', { exact: true }).waitFor();
  await second.page.locator('.intro', { hasText: 'Welcome back, Ana' }).waitFor();
  assert.deepEqual([...first.errors, ...second.errors], []);
  await first.context.close();
  await second.context.close();
});

test('a wrong hash stays anonymous and the console marks the claimed name unverified', async () => {
  const { page, context } = await visitor(`${relay.url}/demo/`);
  await page.evaluate(() =>
    Warmline.identify({ user_id: 'mallory', name: 'Mallory', user_hash: '0'.repeat(64) }),
  );
  await send(page, 'I am definitely Mallory');
  assert.doesNotMatch(await page.locator('.intro').innerText(), /Mallory/);

  const agent = await signInConsole();
  const item = agent.getByRole('button', { name: /definitely Mallory/ });
  await item.waitFor();
  assert.match(await item.innerText(), /Mallory\s*unverified/);
  await screenshot(agent, 'console-unverified');
  await agent.context().close();
  await context.close();
});

test('the widget speaks Georgian and Armenian, and lays out right to left', async () => {
  const georgian = await startSite(
    () => `<!doctype html><html lang="ka"><title>მაღაზია</title><h1>მაღაზია</h1>
      <script async src="${relay.url}/widget.js" data-site="demo"></script>`,
  );
  // The demo site allows only listed origins; this one is new.
  const agent = await signInConsole();
  const settings = await agent.evaluate(async (origin) => {
    const body = await (await fetch('/api/site/settings')).json();
    body.allowed_origins.push(origin);
    return (await fetch('/api/site/settings', {
      method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
    })).status;
  }, georgian.origin);
  assert.equal(settings, 200);
  await agent.context().close();

  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${georgian.origin}/`);
  await page.getByRole('button', { name: 'ჩატის გახსნა' }).click();
  await page.getByRole('textbox', { name: 'შეტყობინება' }).waitFor();
  assert.equal(await page.locator('.title').innerText(), 'მოგვწერეთ');
  assert.equal(await page.getByRole('dialog').getAttribute('lang'), 'ka');
  await screenshot(page, 'widget-ka');

  await page.evaluate(() => Warmline.setLocale('hy'));
  await page.locator('.title', { hasText: 'Զրուցեք մեզ հետ' }).waitFor();
  assert.equal(await page.getByRole('dialog').getAttribute('lang'), 'hy');
  await screenshot(page, 'widget-hy');

  await page.evaluate(() => Warmline.setLocale('he'));
  await page.locator('.title', { hasText: 'דברו איתנו' }).waitFor();
  assert.equal(await page.getByRole('dialog').getAttribute('dir'), 'rtl');
  await send(page, 'שלום');
  const mine = await page.locator('.line.mine .bubble').last().boundingBox();
  const panel = await page.locator('.panel').boundingBox();
  assert.ok(mine.x - panel.x < panel.x + panel.width - (mine.x + mine.width),
    'the visitor\'s own message sits on the left in a right-to-left language');
  await screenshot(page, 'widget-rtl');
  await context.close();
  await georgian.stop();
});

test('a visitor can chat by keyboard alone', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${relay.url}/demo/`);
  const launcher = page.getByRole('button', { name: /^Open chat/ });
  await launcher.waitFor();
  for (let i = 0; i < 40 && !(await launcher.evaluate((b) => b.matches(':focus'))); i++) {
    await page.keyboard.press('Tab');
  }
  assert.ok(await launcher.evaluate((b) => b.matches(':focus')), 'Tab reaches the launcher');
  await page.keyboard.press('Enter');
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.waitFor();
  await page.waitForFunction(() => {
    const root = document.getElementById('warmline-root').shadowRoot;
    return root.activeElement?.tagName === 'TEXTAREA';
  });
  await page.keyboard.type('first line');
  await page.keyboard.press('Shift+Enter');
  await page.keyboard.type('second line');
  assert.equal(await box.inputValue(), 'first line\nsecond line');
  await page.keyboard.press('Enter');
  await page.locator('.line.mine', { hasText: 'second line' }).waitFor();
  await page.keyboard.press('Escape');
  await page.getByRole('dialog').waitFor({ state: 'hidden' });
  await page.waitForFunction(
    () => document.getElementById('warmline-root').shadowRoot.activeElement?.classList.contains('launcher'),
  );
  await context.close();
});

test('on a phone the chat fills the screen and keeps the keyboard inside it', async () => {
  const { page, context } = await visitor(`${relay.url}/demo/`, { viewport: { width: 390, height: 780 } });
  const panel = await page.locator('.panel').boundingBox();
  assert.deepEqual([panel.x, panel.y, panel.width, panel.height], [0, 0, 390, 780]);
  assert.equal(await page.getByRole('dialog').getAttribute('aria-modal'), 'true');
  const inside = () => page.evaluate(() => {
    const root = document.getElementById('warmline-root').shadowRoot;
    return Boolean(root.activeElement && root.querySelector('.panel').contains(root.activeElement));
  });
  for (let i = 0; i < 12; i++) {
    await page.keyboard.press(i % 3 ? 'Tab' : 'Shift+Tab');
    assert.ok(await inside(), `focus left the panel after ${i + 1} presses`);
  }
  await screenshot(page, 'widget-mobile');
  await context.close();
});

test('axe-core finds no violations on the demo page with the chat open', async () => {
  const { page, context } = await visitor(`${relay.url}/demo/`);
  await send(page, 'Checking accessibility');
  await page.addScriptTag({ content: AXE });
  const violations = await page.evaluate(async () => (await axe.run(document)).violations);
  const summary = violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  assert.deepEqual(summary, []);
  await context.close();
});

test('the widget works on a hostile page and under a strict CSP, and leaves the page alone', async () => {
  const hostile = await (await browser.newContext()).newPage();
  await hostile.goto(`${relay.url}/demo/hostile/`);
  const before = await hostile.locator('p').first().evaluate((p) => getComputedStyle(p).fontSize);
  // The page is in Georgian, so is the widget.
  await hostile.getByRole('button', { name: 'ჩატის გახსნა' }).click();
  await send(hostile, 'Hello from a hostile page');
  const after = await hostile.locator('p').first().evaluate((p) => getComputedStyle(p).fontSize);
  assert.equal(after, before, 'the host page\'s styles are untouched');
  await screenshot(hostile, 'widget-hostile');
  await hostile.context().close();

  const strict = await (await browser.newContext()).newPage();
  await strict.addInitScript(() => {
    window.violations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      window.violations.push(`${e.effectiveDirective} ${e.blockedURI}`));
  });
  await strict.goto(`${relay.url}/demo/strict/`);
  await strict.getByRole('button', { name: /^Open chat/ }).click();
  await send(strict, 'Hello under a strict policy');
  assert.deepEqual(await strict.evaluate(() => window.violations), []);
  await screenshot(strict, 'widget-strict');
  await strict.context().close();
});

test('an agent\'s reply reaches the page\'s listeners, and a restart loses and doubles nothing', async () => {
  const { page, context } = await visitor(`${relay.url}/demo/`);
  await page.evaluate(() => {
    window.heard = [];
    Warmline.on('message', (m) => window.heard.push(`${m.from}:${m.name}:${m.text}`));
  });
  await send(page, 'before the restart');

  // The visitor closes the chat; the reply is counted on the launcher.
  await page.evaluate(() => Warmline.close());
  const agent = await signInConsole();
  await agent.getByRole('button', { name: /before the restart/ }).click();
  await agent.getByRole('textbox', { name: 'Reply' }).fill('I am here');
  await agent.getByRole('button', { name: 'Send', exact: true }).click();
  await page.waitForFunction(() => window.heard.includes('agent:Nino:I am here'));
  await page.getByRole('button', { name: 'Open chat, 1 unread' }).waitFor();
  await screenshot(page, 'widget-unread');
  await page.getByRole('button', { name: 'Open chat, 1 unread' }).click();
  await page.getByText('I am here', { exact: true }).waitFor();
  await page.getByRole('button', { name: 'Close chat' }).waitFor();
  await agent.context().close();

  // The relay stops; the visitor writes while it is down; it starts again
  // on the same address and data.
  const addr = new URL(relay.url).host;
  await relay.stop({ keepData: true });
  await page.getByRole('textbox', { name: 'Message' }).fill('while it was down');
  await page.keyboard.press('Enter');
  await page.locator('.status', { hasText: /offline|Reconnecting/i }).waitFor();
  relay = await startRelay({
    WARMLINE_ADDR: addr,
    WARMLINE_DEMO_ORIGINS: shop.origin,
    WARMLINE_DEMO_IDENTITY_SECRET: SECRET,
    WARMLINE_LOCALES_DIR: LOCALES,
  }, relay.dataDir);
  await page.locator('.line.pending').waitFor({ state: 'detached', timeout: 30000 });
  await send(page, 'after the restart');
  for (const text of ['before the restart', 'I am here', 'while it was down', 'after the restart']) {
    assert.equal(await page.getByText(text, { exact: true }).count(), 1, text);
  }
  await context.close();
});

test('files: a picture goes through, disguised and oversized files are refused, strangers get nothing', async () => {
  const { page, context } = await visitor(`${relay.url}/demo/`);
  await send(page, 'a file follows');
  const results = await page.evaluate(async (relayUrl) => {
    const token = localStorage.getItem('warmline.demo.token');
    const upload = async (bytes, name, asWhom = token) => {
      const response = await fetch(`${relayUrl}/api/attachments?site=demo&name=${name}`, {
        method: 'POST', headers: { authorization: `Bearer ${asWhom}` }, body: new Uint8Array(bytes),
      });
      return { status: response.status, body: await response.json() };
    };
    const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...new Array(100).fill(1)];
    const exe = [0x4d, 0x5a, 0x90, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0xff, 0xff, ...new Array(100).fill(0)];
    const big = [...png.slice(0, 8), ...new Array(10 * 1024 * 1024 + 1).fill(1)];
    const picture = await upload(png, 'parcel.png');
    const fetchAs = async (who) =>
      (await fetch(`${relayUrl}/api/attachments/${picture.body.id}`, {
        headers: { authorization: `Bearer ${who}` },
      })).status;
    return {
      picture: picture.status,
      disguised: await upload(exe, 'cat.png'),
      oversized: await upload(big, 'big.png'),
      mine: await fetchAs(token),
      stranger: await fetchAs('f'.repeat(64)),
    };
  }, relay.url);
  assert.equal(results.picture, 200);
  assert.deepEqual([results.disguised.status, results.disguised.body.code], [415, 'file_type']);
  assert.deepEqual([results.oversized.status, results.oversized.body.code], [413, 'file_too_large']);
  assert.equal(results.mine, 200);
  assert.equal(results.stranger, 404);

  // Through the paperclip, a disguised file gets a clear message in the widget.
  await page.locator('input[type=file]').setInputFiles({
    name: 'holiday.png', mimeType: 'image/png', buffer: Buffer.from('MZ not a picture at all'),
  });
  await page.locator('.status', { hasText: /holiday\.png.*can't be sent/ }).waitFor();
  await context.close();
});

test('an agent cannot reach the settings', async () => {
  const owner = await signInConsole();
  const added = await owner.evaluate(async () =>
    (await fetch('/api/site/members', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'levan@demo.test', name: 'Levan', password: 'a long password', role: 'agent' }),
    })).status);
  assert.equal(added, 204);
  assert.equal(await owner.getByRole('button', { name: 'Settings' }).count(), 1, 'owners see Settings');
  await owner.context().close();

  const agent = await signInConsole('levan@demo.test', 'a long password');
  assert.equal(await agent.getByRole('button', { name: 'Settings' }).count(), 0);
  const status = await agent.evaluate(async () => (await fetch('/api/site/settings')).status);
  assert.equal(status, 403);
  await agent.context().close();
});
