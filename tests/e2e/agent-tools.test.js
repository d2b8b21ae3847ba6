// The agent's tools in the console: the tone guard warns before "calm down"
// (in English and in Georgian) and puts kinder words in, and a private note
// stays with agents: the visitor's socket never receives it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, screenshot, startRelay, startSite } from './relay.js';
import { catalogue, newVisitor, openChat, send, signInConsole } from './helpers.js';

const ka = catalogue('ka');

let relay;
let shop;
let browser;

before(async () => {
  shop = await startSite(
    () => `<!doctype html><html lang="ka"><title>მაღაზია</title>
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

/// Opens the visitor's conversation in the console by a phrase of it.
async function openConversation(agent, text) {
  await agent.getByRole('button', { name: /^All open/ }).click();
  await agent.locator('.inbox .item', { hasText: text }).click();
  await agent.getByRole('log').getByText(text).first().waitFor();
}

test('the tone guard warns before "calm down" and offers kinder words, in English and Georgian', async () => {
  const agent = await signInConsole(browser, relay.url);
  const { page } = await newVisitor(browser, `${relay.url}/demo/`);
  await openChat(page);
  await send(page, 'This is the worst service ever');
  await openConversation(agent, 'worst service');

  const reply = agent.getByRole('textbox', { name: 'Reply', exact: true });
  await reply.fill('Please calm down, we will check your order.');
  const warning = agent.locator('.tone-warning', { hasText: '“calm down” may upset the visitor.' });
  await warning.waitFor();
  await screenshot(agent, 'tone-guard-en');
  await warning.getByRole('button', { name: /Use instead/ }).click();
  const fixed = await reply.inputValue();
  assert.ok(!/calm down/i.test(fixed), fixed);
  assert.match(fixed, /I understand how frustrating this is/);
  await agent.locator('.tone-warning').waitFor({ state: 'detached' });
  // A technical sentence with the same words is not addressed to the visitor.
  await reply.fill("The servers will calm down after tonight's update.");
  // The guard runs as the draft changes; one frame later it has drawn.
  await agent.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => resolve())));
  assert.equal(await agent.locator('.tone-warning').count(), 0);

  // A Georgian visitor's conversation is checked with the Georgian list.
  const georgian = await newVisitor(browser, `${shop.origin}/`);
  await openChat(georgian.page, ka);
  await send(georgian.page, 'ეს საშინელებაა', ka);
  await openConversation(agent, 'ეს საშინელებაა');
  await reply.fill('გთხოვთ, დამშვიდდით.');
  await agent.locator('.tone-warning', { hasText: 'დამშვიდდით' }).waitFor();
  await screenshot(agent, 'tone-guard-ka');
  // Sending anyway is the agent's call: it goes, and the owner's report counts it.
  await agent.keyboard.press('Enter');
  await georgian.page.locator('.line.theirs', { hasText: 'დამშვიდდით' }).waitFor();
  const report = await agent.evaluate(async () => (await fetch('/api/reports/tone')).json());
  const nino = report.find((r) => r.name === 'Nino');
  assert.equal(nino.overridden, 1);
  assert.ok(nino.shown >= 2, JSON.stringify(nino));
});

test('a private note never reaches the visitor', async () => {
  const agent = await signInConsole(browser, relay.url);
  const { page } = await newVisitor(browser, `${relay.url}/demo/`);
  const frames = [];
  page.on('websocket', (ws) => ws.on('framereceived', (f) => frames.push(String(f.payload))));
  await openChat(page);
  await send(page, 'My parcel arrived broken');
  await openConversation(agent, 'parcel arrived broken');

  const note = 'Photo shows a crushed box, offer a replacement (N-5521)';
  await agent.getByPlaceholder(/Private note for your team/).fill(note);
  await agent.getByRole('button', { name: 'Add note', exact: true }).click();
  await agent.locator('.private-note', { hasText: note }).waitFor();
  await screenshot(agent, 'private-note');
  // The agent then answers; the visitor gets the answer and nothing of the note.
  await agent.getByRole('textbox', { name: 'Reply', exact: true }).fill('I am so sorry! A new one is on its way.');
  await agent.keyboard.press('Enter');
  await page.locator('.line.theirs', { hasText: 'A new one is on its way' }).waitFor();
  assert.ok(frames.length > 3, 'the test saw the visitor socket');
  assert.ok(!frames.some((f) => f.includes('N-5521')), 'the note never reached the visitor');
  assert.equal(await page.getByText('N-5521').count(), 0);
});

test('a /shortcut puts the canned reply in, with the visitor\'s name', async () => {
  const owner = await signInConsole(browser, relay.url);
  // The owner keeps canned replies under Settings.
  await owner.getByRole('button', { name: 'Settings', exact: true }).click();
  await owner.getByLabel('Shortcut').fill('thanks');
  await owner.locator('#canned-text').fill('Thank you for waiting, {name}! I am {agent} from {site}.');
  await owner.getByRole('button', { name: 'Add the reply' }).click();
  await owner.locator('.canned-list li', { hasText: '/thanks' }).waitFor();
  await owner.getByLabel('Shortcut').fill('track');
  await owner.locator('#canned-text').fill('You can track your parcel here: https://shop.example/track');
  await owner.getByRole('button', { name: 'Add the reply' }).click();
  await owner.locator('.canned-list li', { hasText: '/track' }).waitFor();
  await owner.reload();

  // A visitor who gave their name writes.
  const { page } = await newVisitor(browser, `${relay.url}/demo/`);
  await openChat(page);
  await page.getByPlaceholder('Your first name').fill('Tamar');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await send(page, 'Is anyone there?');
  await openConversation(owner, 'Is anyone there?');

  // "/t" lists both; the arrows choose, Enter puts it in, name filled.
  const reply = owner.getByRole('textbox', { name: 'Reply', exact: true });
  await reply.fill('/t');
  const options = owner.getByRole('listbox', { name: 'Canned replies' }).getByRole('option');
  await options.nth(1).waitFor();
  assert.equal(await options.count(), 2);
  await screenshot(owner, 'canned-picker');
  await reply.press('ArrowDown');
  await reply.press('ArrowUp');
  await reply.press('Enter');
  assert.equal(await reply.inputValue(), 'Thank you for waiting, Tamar! I am Nino from Kartuli Tea House (demo).');
  // Enter again sends it.
  await reply.press('Enter');
  await page.locator('.line.theirs', { hasText: 'Thank you for waiting, Tamar!' }).waitFor();
});

test('a blocked visitor is told politely and cannot start again, nor can a new browser from that address', async () => {
  // A relay of its own: the block covers the loopback address every test browser shares.
  const own = await startRelay();
  try {
    const agent = await signInConsole(browser, own.url);
    const visitor = await newVisitor(browser, `${own.url}/demo/`);
    await openChat(visitor.page);
    await send(visitor.page, 'You are all useless idiots');
    await agent.getByRole('button', { name: /^All open/ }).click();
    await agent.locator('.inbox .item', { hasText: 'useless idiots' }).click();
    await agent.getByRole('button', { name: 'Block visitor', exact: true }).click();
    await agent.getByLabel('Reason (for the owners)').fill('insults');
    await screenshot(agent, 'block-form');
    await agent.locator('form.block').getByRole('button', { name: 'Block visitor' }).click();

    // The visitor reads a polite closing notice; writing again is refused.
    await visitor.page.locator('.line', { hasText: 'This conversation has been closed by our team' }).waitFor();
    await visitor.page.getByRole('textbox', { name: 'Message', exact: true }).fill('hello?');
    await visitor.page.keyboard.press('Enter');
    await visitor.page.getByText('Not sent.').waitFor();
    await screenshot(visitor.page, 'block-visitor');

    // A new browser (no token) from the same address cannot start either.
    const other = await newVisitor(browser, `${own.url}/demo/`);
    await other.page.getByRole('button', { name: 'Open chat', exact: true }).click();
    await other.page.getByText("This chat has ended and isn't available to you here.").waitFor();

    // The owner sees the block and lifts it.
    await agent.getByRole('button', { name: 'Settings', exact: true }).click();
    const line = agent.locator('.blocks li', { hasText: 'insults' });
    await line.waitFor();
    await line.getByRole('button', { name: 'Lift' }).click();
    await line.waitFor({ state: 'detached' });
    const back = await newVisitor(browser, `${own.url}/demo/`);
    await openChat(back.page);
    await send(back.page, 'Sorry about before');
  } finally {
    await own.stop();
  }
});
