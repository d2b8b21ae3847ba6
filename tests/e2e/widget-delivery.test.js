// Messages between a visitor and an agent: what the visitor sees of the
// agent (online, reading, typing, replying), what the host page hears
// through Warmline.on, and that a relay restart in the middle of a
// conversation loses nothing and doubles nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, screenshot, startRelay } from './relay.js';
import { en, newVisitor, openChat, send, signInConsole, texts } from './helpers.js';

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

/// The agent opens the conversation whose last message is `text` and answers.
async function reply(agent, text) {
  await agent.getByRole('textbox', { name: 'Reply', exact: true }).fill(text);
  await agent.getByRole('button', { name: 'Send', exact: true }).click();
  await agent.getByRole('log').getByText(text, { exact: true }).waitFor();
}

test('an agent\'s reply reaches the visitor and the page\'s Warmline.on listeners', async () => {
  const { context, page, errors } = await newVisitor(browser, `${relay.url}/demo/`);
  // The page listens as the README shows, before the chat is opened.
  await page.waitForFunction(() => window.Warmline?._loaded);
  await page.evaluate(() => {
    window.heard = [];
    Warmline.on('message', (m) => window.heard.push({ text: m.text, from: m.from, name: m.name }));
    Warmline.on('open', () => window.heard.push('open'));
    Warmline.on('close', () => window.heard.push('close'));
  });
  await openChat(page);
  await page.getByText(en.agents_away).waitFor();

  // The agent comes online: the visitor is told someone is there.
  const agent = await signInConsole(browser, relay.url);
  await page.locator('.subtitle', { hasText: /^We're online/ }).waitFor();
  await send(page, 'Is the Guria Black in stock?');

  // The agent reads the message: the visitor sees it was seen.
  await agent.getByRole('button', { name: /Guria Black in stock/ }).click();
  await page.locator('.line.mine', { hasText: 'Guria Black' }).getByText(en.seen, { exact: true }).waitFor();

  // The agent types: the visitor sees who is typing.
  await agent.getByRole('textbox', { name: 'Reply', exact: true }).pressSequentially('Yes');
  await page.getByText(en.typing.replace('{name}', 'Nino'), { exact: true }).waitFor();

  await reply(agent, 'Yes, we have 40 tins.');
  await page.locator('.line.theirs', { hasText: 'Yes, we have 40 tins.' }).waitFor();
  await page.waitForFunction(() => window.heard.length >= 2);
  await screenshot(page, 'delivery-agent-reply');
  assert.deepEqual(await page.evaluate(() => window.heard),
    ['open', { text: 'Yes, we have 40 tins.', from: 'agent', name: 'Nino' }],
    'the page hears the agent, not the visitor\'s own messages');
  assert.equal(await page.getByText(en.typing.replace('{name}', 'Nino')).count(), 0,
    'the typing line goes once the message is there');

  // With the panel closed, a reply counts as unread on the launcher.
  await page.keyboard.press('Escape');
  await reply(agent, 'Shall I put one aside for you?');
  await page.getByRole('button', { name: en.launcher_open_unread.replace('{count}', '1'), exact: true }).waitFor();
  await page.waitForFunction(() => window.heard.length >= 4);
  assert.deepEqual((await page.evaluate(() => window.heard)).slice(2),
    ['close', { text: 'Shall I put one aside for you?', from: 'agent', name: 'Nino' }]);
  await screenshot(page, 'delivery-unread');
  assert.deepEqual(errors, []);
  await agent.context().close();
  await context.close();
});

test('a message that waited for an agent to sign in is marked Seen once the agent opens it', async () => {
  // The usual case: nobody is online, the visitor leaves a message.
  const { context, page } = await newVisitor(browser, `${relay.url}/demo/`);
  await openChat(page);
  await page.getByText(en.agents_away).waitFor();
  await send(page, 'Please call me back about a wholesale order');

  // Later an agent signs in and opens it.
  const agent = await signInConsole(browser, relay.url);
  await agent.getByRole('button', { name: /wholesale order/ }).click();
  await agent.getByRole('log').getByText('Please call me back about a wholesale order', { exact: true }).waitFor();
  const mine = page.locator('.line.mine', { hasText: 'wholesale order' });
  try {
    await mine.getByText(en.seen, { exact: true }).waitFor({ timeout: 5_000 });
  } finally {
    await screenshot(page, 'delivery-seen-after-sign-in');
  }
  await agent.context().close();
  await context.close();
});

test('a relay restart mid-conversation loses no message and doubles none', async () => {
  const { context, page, errors } = await newVisitor(browser, `${relay.url}/demo/`);
  await openChat(page);
  await send(page, 'one, before the restart');
  await send(page, 'two, before the restart');

  // The relay stops; the visitor is told, and writes while it is down.
  const { host } = new URL(relay.url);
  await relay.stop({ keepData: true });
  await page.getByText(en.reconnecting, { exact: true }).waitFor();
  await page.getByRole('textbox', { name: en.message, exact: true }).fill('three, while it was down');
  await page.keyboard.press('Enter');
  await page.locator('.line.mine.pending', { hasText: 'three' }).getByText(en.sending).waitFor();
  await screenshot(page, 'delivery-relay-down');

  // It starts again on the same address with the same data; the widget
  // reconnects by itself and sends what waited.
  relay = await startRelay({ WARMLINE_ADDR: host }, relay.dataDir);
  await page.getByText(en.sending).waitFor({ state: 'detached', timeout: 30_000 });
  await page.getByText(en.reconnecting).waitFor({ state: 'detached' });
  await send(page, 'four, after the restart');
  const all = ['one, before the restart', 'two, before the restart', 'three, while it was down', 'four, after the restart'];
  assert.deepEqual(await texts(page), all, 'each message once, in order, in the widget');
  await screenshot(page, 'delivery-after-restart');

  // What the relay kept: after a reload, and in the agent's console.
  await page.reload();
  await page.locator('.line.mine', { hasText: 'four' }).waitFor();
  assert.deepEqual(await texts(page), all, 'each message once after a reload');
  const agent = await signInConsole(browser, relay.url);
  await agent.getByRole('button', { name: /four, after the restart/ }).click();
  const thread = agent.getByRole('log');
  await thread.getByText('four, after the restart', { exact: true }).waitFor();
  for (const text of all) assert.equal(await thread.getByText(text, { exact: true }).count(), 1, text);
  assert.deepEqual(errors, []);
  await agent.context().close();
  await context.close();
});
