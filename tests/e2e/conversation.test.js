// The first conversation end to end: a visitor on the demo host page writes in
// the widget, a signed-in agent sees it live in the console and answers, and
// the visitor sees the answer, also after reloading the page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PASSWORD, launchBrowser, screenshot, startRelay } from './relay.js';

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
