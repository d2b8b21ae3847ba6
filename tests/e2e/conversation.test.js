// The first conversation end to end: a visitor on the demo host page writes in
// the widget, a signed-in agent sees it live in the console and answers, and
// the visitor sees the answer, also after reloading the page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PASSWORD, launchBrowser, screenshot, startRelay, startSite } from './relay.js';

let relay;
let shop;
let browser;

before(async () => {
  // Another site that embeds the widget, allowed for the demo site.
  shop = await startSite(
    () => `<!doctype html><title>Another shop</title><h1>Another shop</h1>
      <script async src="${relay.url}/widget.js" data-site="demo"></script>`,
  );
  relay = await startRelay({ WARMLINE_DEMO_ORIGINS: shop.origin });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await relay?.stop();
  await shop?.stop();
});

test('a visitor and an agent talk through the widget and the console', async () => {
  const visitor = await (await browser.newContext()).newPage();
  const agent = await (await browser.newContext()).newPage();
  const errors = [];
  for (const page of [visitor, agent]) page.on('pageerror', (e) => errors.push(e.message));

  // The agent signs in first and waits with an empty inbox.
  await agent.goto(`${relay.url}/console/`);
  await agent.getByLabel('Email').fill('agent@demo.test');
  await agent.getByLabel('Password').fill(PASSWORD);
  await agent.getByRole('button', { name: 'Sign in', exact: true }).click();
  await agent.getByRole('button', { name: 'Sign out', exact: true }).waitFor();

  // The visitor opens the widget on the host page and writes.
  await visitor.goto(`${relay.url}/demo/`);
  await visitor.getByRole('button', { name: 'Open chat', exact: true }).click();
  await visitor.getByRole('textbox', { name: 'Message', exact: true }).fill('hello');
  await visitor.getByRole('button', { name: 'Send', exact: true }).click();
  await visitor.getByText('hello', { exact: true }).waitFor();

  // It shows up live in the agent's inbox; the agent opens it and answers.
  const item = agent.getByRole('button', { name: /hello/ });
  await item.waitFor();
  await item.click();
  const thread = agent.getByRole('log');
  await thread.getByText('hello', { exact: true }).waitFor();
  await agent.getByRole('textbox', { name: 'Reply', exact: true }).fill('Hi! How can I help?');
  await agent.getByRole('button', { name: 'Send', exact: true }).click();
  await thread.getByText('Hi! How can I help?', { exact: true }).waitFor();
  await screenshot(agent, 'console');

  // The visitor sees the answer.
  await visitor.getByText('Hi! How can I help?', { exact: true }).waitFor();
  await screenshot(visitor, 'widget');

  // After a reload the panel reopens by itself with the conversation, once each.
  await visitor.reload();
  const panelText = visitor.getByText('Hi! How can I help?', { exact: true });
  await panelText.waitFor();
  assert.equal(await visitor.getByText('hello', { exact: true }).count(), 1);
  assert.equal(await panelText.count(), 1);

  assert.deepEqual(errors, [], 'no script errors on either page');
});

test('the widget works on a host page of another origin', async () => {
  const page = await (await browser.newContext()).newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));

  // The shop is on another port, so another origin to the browser: the
  // widget's module and wasm are fetched cross-origin.
  await page.goto(`${shop.origin}/`);
  await page.getByRole('button', { name: 'Open chat', exact: true }).click();
  await page.getByRole('textbox', { name: 'Message', exact: true }).fill('from another site');
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await page.getByText('from another site', { exact: true }).waitFor();
  // Acknowledged by the relay: the "Sending…" mark goes away.
  await page.getByText('Sending…').waitFor({ state: 'detached' });
  await screenshot(page, 'widget-cross-origin');

  assert.deepEqual(errors, [], 'no script or loading errors');
});
