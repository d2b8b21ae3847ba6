// The warm answer, end to end on the demo: the agent sees who they are
// talking to, answers with a canned reply by name, is warned before "calm
// down", offers three choices the visitor picks from (by keyboard), closes
// the chat; the visitor rates it, gets the owner's thank-you code, and, back
// later, reads the owner's answer to their comment.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, screenshot, startRelay } from './relay.js';
import { en, newVisitor, openChat, send, signInConsole } from './helpers.js';

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

test('who, a canned reply by name, the tone guard, choices, close, rating with reward, the answer on return', async () => {
  const agent = await signInConsole(browser, relay.url);
  // The owner's canned reply, as kept under Settings.
  const made = await agent.evaluate(async () => (await fetch('/api/canned', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ shortcut: 'sorry', lang: 'en', text: 'I am so sorry about this, {name}. I am {agent}, and I will sort it out.' }),
  })).status);
  assert.equal(made, 201);
  await agent.reload();
  await agent.getByRole('button', { name: 'Sign out', exact: true }).waitFor();

  // The visitor browses two pages of the shop (one without a reload), gives their name, writes.
  const { page, errors } = await newVisitor(browser, `${relay.url}/demo/`, {
    timezoneId: 'Asia/Tbilisi',
    userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  });
  const frames = [];
  page.on('websocket', (ws) => ws.on('framesent', (f) => frames.push(String(f.payload))));
  await page.evaluate(() => {
    history.pushState({}, '', '/demo/orders/1024');
    document.title = 'Order 1024';
  });
  // The loader notices an address changed without loading within two seconds.
  await page.waitForFunction(() => (sessionStorage.getItem('warmline.demo.visit') || '').includes('Order 1024'));
  await openChat(page);
  await page.getByPlaceholder(en.name_label).fill('Ana');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await send(page, 'My tea arrived with the box crushed');

  const agentOpen = async () => {
    await agent.getByRole('button', { name: /^All open/ }).click();
    await agent.locator('.inbox .item', { hasText: 'box crushed' }).click();
    await agent.getByRole('log').getByText('box crushed').first().waitFor();
  };
  await agentOpen();
  // Who it is, at a glance: name, the pages of this visit, device, their time.
  const about = agent.getByRole('complementary', { name: 'About the visitor' });
  await about.getByText('Ana', { exact: true }).waitFor();
  await about.getByText('Order 1024').waitFor();
  await about.getByText(/Desktop · Chrome 120 on Windows/).waitFor();
  await about.getByText('Asia/Tbilisi').waitFor();
  await about.getByText('English').waitFor();
  await screenshot(agent, 'care-context-panel');

  // A canned reply, by name.
  const reply = agent.getByRole('textbox', { name: 'Reply', exact: true });
  await reply.fill('/sor');
  await agent.getByRole('option', { name: /\/sorry/ }).waitFor();
  await agent.keyboard.press('Enter');
  assert.equal(await reply.inputValue(), 'I am so sorry about this, Ana. I am Nino, and I will sort it out.');
  await agent.keyboard.press('Enter');
  await page.locator('.line.theirs', { hasText: 'sorry about this, Ana' }).waitFor();

  // Warned before "calm down".
  await reply.fill('Please calm down, it is only a box.');
  await agent.locator('.tone-warning', { hasText: '“calm down” may upset the visitor.' }).waitFor();
  await screenshot(agent, 'care-tone-guard');
  await reply.fill('');

  // Three choices.
  await agent.getByRole('button', { name: 'Offer choices', exact: true }).click();
  const form = agent.getByRole('form', { name: 'Offer choices' });
  await form.getByLabel('Question').fill('How would you like us to make this right?');
  await form.getByPlaceholder('Choice 1').fill('Refund');
  await form.getByPlaceholder('Choice 2').fill('Replacement');
  await form.getByPlaceholder('Choice 3').fill('Store credit');
  await form.getByRole('button', { name: 'Send choices' }).click();

  const group = page.getByRole('group', { name: en.options });
  await group.waitFor();
  assert.deepEqual(await group.getByRole('button').allTextContents(), ['Refund', 'Replacement', 'Store credit']);
  await screenshot(page, 'care-widget-choices');
  // Keyboard operable: focus the choice and press Enter.
  await group.getByRole('button', { name: 'Replacement' }).focus();
  await page.keyboard.press('Enter');
  await group.getByRole('button', { name: 'Replacement', pressed: true }).waitFor();
  assert.equal(await group.getByRole('button', { name: 'Refund' }).isDisabled(), true);
  await page.locator('.line.mine', { hasText: 'Replacement' }).waitFor();
  await agent.locator('.line', { hasText: 'Picked from the choices' }).getByText('Replacement').waitFor();
  await screenshot(agent, 'care-console-choice-picked');

  // Closed with a resolution tag; the visitor rates it and gets the thank-you at once.
  const resolution = agent.getByRole('combobox', { name: 'Resolution' });
  await resolution.fill('replacement');
  await agent.getByRole('button', { name: 'Close', exact: true }).click();
  const card = page.locator('.feedback');
  await card.getByText(en.rate_title).waitFor();
  await screenshot(page, 'care-widget-rate');
  await card.getByRole('button', { name: en.rate_stars.replace('{n}', '5') }).click();
  await card.getByRole('textbox', { name: en.rate_comment }).fill('Kind and quick, but the box should be sturdier.');
  await card.getByRole('button', { name: en.rate_send }).click();
  await card.getByText(en.rate_thanks).waitFor();
  await card.locator('code', { hasText: 'WARM10' }).waitFor();
  await screenshot(page, 'care-widget-reward');
  assert.ok(frames.some((f) => f.includes('"type":"visit"')), 'the widget reported the visit');
  assert.deepEqual(errors, []);

  // Agents see the rating on the conversation.
  await agent.getByRole('button', { name: /^Closed/ }).click();
  await agent.locator('.inbox .item', { hasText: 'Ana' }).click();
  await agent.locator('.handling .stars', { hasText: '★★★★★' }).waitFor();
  await screenshot(agent, 'care-console-rating');
  // On a narrower screen the panel opens from the conversation's header.
  await agent.setViewportSize({ width: 900, height: 720 });
  await about.waitFor({ state: 'hidden' });
  await agent.getByRole('button', { name: 'About the visitor' }).click();
  await about.getByText('Order 1024').waitFor();
  await screenshot(agent, 'care-context-narrow');
  await agent.setViewportSize({ width: 1280, height: 720 });

  // The owner answers the comment; the visitor reads it when they come back.
  await agent.getByRole('button', { name: 'Settings', exact: true }).click();
  const comment = agent.locator('.comments li', { hasText: 'sturdier' });
  await comment.getByRole('textbox').fill('We now pack every tin in a double-walled box.');
  await comment.getByRole('button', { name: 'Answer' }).click();
  await comment.getByText(/Answered: We now pack/).waitFor();
  // (The panel was open when they left, so it opens again by itself.)
  await page.goto(`${relay.url}/demo/`);
  await page.locator('.feedback').getByText(/What we did: We now pack every tin/).waitFor();
  await page.locator('.feedback').getByText(/You said: “Kind and quick/).waitFor();
  await screenshot(page, 'care-widget-answer');
});
